import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Relay, relayStatus } from '../../src/bus/relay.ts';
import { createLogger } from '../../src/logger.ts';
import { Projector, subscriptionLag } from '../../src/projections/projector.ts';
import { commitOrder as storeCommitOrder } from '../support/commit-order.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';
import { AUDIT_TABLE_SQL, auditedEventIds, auditProjection } from '../projections/fixtures/audit-projection.ts';
import { createTestBus, writeOrders } from './helpers.ts';
import { OwnNatsServer } from './nats-server.ts';

let db: TestDatabase;
let server: OwnNatsServer;
let bus: Awaited<ReturnType<typeof createTestBus>>;
const logger = createLogger({ name: 'reconnect-test', level: 'fatal' });

before(async () => {
  db = await createTestDatabase();
  await db.pool.query(AUDIT_TABLE_SQL);
  server = await OwnNatsServer.start();
  bus = await createTestBus({ natsUrl: server.url });
});
after(async () => {
  await bus.destroy().catch(() => {});
  await server.destroy();
  await db.drop();
});

test('a NATS server restart mid-stream: the relay and a projector go on, nothing lost, nothing reordered', async () => {
  const relay = new Relay({ pool: db.pool, bus, maxIdleMs: 20, logger });
  // A message whose ack died with the server comes back after the ack wait: keep it short here.
  const projector = new Projector({ projection: auditProjection(), bus, pool: db.pool, ackWaitMs: 3000, logger });
  await relay.start();
  await projector.start();
  const writing = writeOrders(db.pool, { orders: 200, updates: 2, writers: 4 });
  await waitUntil(async () => (await auditedEventIds(db.pool)).length >= 50, 'some events projected');
  await server.stop();
  await sleep(1500); // writers go on: events pile up in the store
  await server.restart();
  const written = await writing;
  await waitUntil(async () => (await relayStatus(db.pool, bus.subjects.prefix)).lagEvents === 0, 'relay caught up after the restart', 90_000);
  await waitUntil(async () => (await subscriptionLag(db.pool, 'audit')).lagEvents === 0, 'projector caught up after the restart', 90_000);
  await projector.stop();
  await relay.stop();
  const commitOrder = await storeCommitOrder(db.pool);
  assert.equal(commitOrder.length, written);
  assert.deepEqual(await auditedEventIds(db.pool), commitOrder);
});
