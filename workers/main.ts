/**
 * The main job (`npm start`). At this stage: migrate, append a few events for a demo order and
 * read them back, in its own stream and in the store's commit order.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, redactUrl } from '../src/config.ts';
import { EventStore } from '../src/store/event-store.ts';
import { migrate } from '../src/store/migrate.ts';
import { createPool } from '../src/store/pool.ts';

const config = loadConfig();
await migrate(config.migrationDatabaseUrl);
const pool = createPool(config.databaseUrl);
const store = new EventStore(pool, { maxEventBytes: config.maxEventBytes });

const orderId = `order-${randomUUID().slice(0, 8)}`;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const created = await store.append(orderId, [{ eventType: 'OrderCreated', data: json({ customerId: 'c-1', total: 42.5 }) }], {
  aggregateType: 'Order',
  expectedVersion: 'no_stream',
});
await store.append(orderId, [{ eventType: 'OrderStatusUpdated', data: json({ status: 'paid' }) }], {
  aggregateType: 'Order',
  expectedVersion: created.nextExpectedVersion,
});

console.log(`event store: ${redactUrl(config.databaseUrl)}`);
console.log(`events of ${orderId}:`);
for (const event of await store.readStream(orderId)) {
  console.log(`  v${event.eventVersion} ${event.eventType} ${Buffer.from(event.data).toString()} (position ${event.globalPosition})`);
}
await pool.end();
