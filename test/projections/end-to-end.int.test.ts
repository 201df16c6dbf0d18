import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Dispatcher } from '../../src/bus/dispatcher.ts';
import { Relay, relayStatus } from '../../src/bus/relay.ts';
import { createLogger } from '../../src/logger.ts';
import { getOrder, ordersProjection } from '../../examples/orders/orders-projection.ts';
import { Projector, subscriptionLag } from '../../src/projections/projector.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { commitOrder as storeCommitOrder } from '../support/commit-order.ts';
import type { TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders, closeDatabaseAndBus, openDatabaseAndBus, type TestBus } from '../bus/helpers.ts';
import { AUDIT_TABLE_SQL, auditedEventIds, auditProjection } from './fixtures/audit-projection.ts';

let db: TestDatabase;
let bus: TestBus;
const logger = createLogger({ name: 'e2e', level: 'warn' });

before(async () => {
  ({ db, bus } = await openDatabaseAndBus({ sql: AUDIT_TABLE_SQL }));
});
after(async () => {
  await closeDatabaseAndBus(db, bus);
});

async function storeCount(): Promise<number> {
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events');
  return rows[0].n;
}

async function ordersRows(): Promise<unknown[]> {
  return (await db.pool.query('SELECT * FROM orders_view ORDER BY order_id')).rows;
}

test('10,000 events from concurrent writers reach the projections in commit order, exactly once, across relay and projector restarts', async () => {
  const newRelay = () => new Relay({ pool: db.pool, bus, maxIdleMs: 20, logger });
  const newAudit = () => new Projector({ projection: auditProjection(), bus, pool: db.pool, logger });
  // The orders projection reads the dispatcher's channel: only its event types.
  const newOrders = () => new Projector({ projection: ordersProjection, bus, pool: db.pool, subject: bus.subjects.dispatch('orders'), logger });
  const dispatcher = new Dispatcher({ bus, routes: [{ name: 'orders', eventTypes: ordersProjection.eventTypes }], logger });

  let relay = newRelay();
  let audit = newAudit();
  let orders = newOrders();
  await Promise.all([relay.start(), audit.start(), orders.start(), dispatcher.start()]);

  const writing = writeOrders(db.pool, { orders: 2000, updates: 4, writers: 8 });
  for (const threshold of [2500, 6000]) {
    await waitUntil(async () => (await storeCount()) >= threshold, `${threshold} events written`, 120_000);
    await relay.stop();
    await audit.stop();
    relay = newRelay();
    await relay.start();
    audit = newAudit();
    await audit.start();
    await orders.stop();
    orders = newOrders();
    await orders.start();
  }
  const written = await writing;
  assert.equal(written, 10_000);

  const caughtUp = async (name: string) => (await subscriptionLag(db.pool, name)).lagEvents === 0;
  await waitUntil(async () => (await relayStatus(db.pool, bus.subjects.prefix)).lagEvents === 0, 'relay caught up', 120_000);
  await waitUntil(() => caughtUp('audit'), 'audit projection caught up', 300_000);
  await waitUntil(() => caughtUp('orders'), 'orders projection caught up', 300_000);
  await Promise.all([relay.stop(), audit.stop(), orders.stop(), dispatcher.stop()]);

  const commitOrder = await storeCommitOrder(db.pool);
  assert.equal(commitOrder.length, 10_000);
  assert.deepEqual(await auditedEventIds(db.pool), commitOrder, 'every event applied once, in commit order');

  const live = await ordersRows();
  assert.equal(live.length, 2000);
  const sample = (await db.pool.query('SELECT order_id FROM orders_view LIMIT 1')).rows[0].order_id;
  assert.equal((await getOrder(db.pool, sample))?.status, 's4');
  assert.deepEqual(await rebuildProjection(ordersProjection, { pool: db.pool, source: 'store' }), { events: 10_000, skipped: 0 });
  assert.deepEqual(await ordersRows(), live, 'live rows equal a rebuild from the store');
  assert.deepEqual(await rebuildProjection(ordersProjection, { pool: db.pool, source: 'bus', bus }), { events: 10_000, skipped: 0 });
  assert.deepEqual(await ordersRows(), live, 'live rows equal a rebuild from NATS');
});
