import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeDeadLetter, type DeadLetter } from '../../src/bus/dead-letter.ts';
import { Relay } from '../../src/bus/relay.ts';
import { createLogger } from '../../src/logger.ts';
import { getOrder, ordersProjection } from '../../examples/orders/orders-projection.ts';
import { Projector, subscriptionLag } from '../../src/projections/projector.ts';
import { ProjectionBusyError } from '../../src/projections/projection-lock.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { EventStore } from '../../src/store/event-store.ts';
import type { TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';
import { closeDatabaseAndBus, openDatabaseAndBus, type TestBus } from '../bus/helpers.ts';

let db: TestDatabase;
let bus: TestBus;
const logger = createLogger({ name: 'orders-test', level: 'fatal' });

before(async () => {
  ({ db, bus } = await openDatabaseAndBus());
});
after(async () => {
  await closeDatabaseAndBus(db, bus);
});

test('the orders projection follows an order through its life; a malformed event is dead-lettered and the rest goes on', async () => {
  const store = new EventStore(db.pool);
  const order = { aggregateType: 'Order' };
  await store.append('order-1', [jsonEvent('OrderCreated', { customerId: 'c-1', total: 42.5 })], order);
  await store.append('order-1', [jsonEvent('OrderStatusUpdated', { status: 'paid' })], order);
  await store.append('order-2', [jsonEvent('OrderCreated', { customerId: 'c-2', total: 'a lot' })], order); // malformed
  await store.append('order-3', [jsonEvent('OrderCreated', { customerId: 'c-3', total: 7 })], order);
  await store.append('order-3', [jsonEvent('OrderCanceled', { reason: 'out of stock' })], order);
  await store.append('customer-1', [jsonEvent('CustomerRegistered', { name: 'x' })], { aggregateType: 'Customer' });

  const relay = new Relay({ pool: db.pool, bus, maxIdleMs: 20, logger });
  const projector = new Projector({ projection: ordersProjection, bus, pool: db.pool, logger });
  await relay.start();
  await projector.start();
  await waitUntil(async () => (await getOrder(db.pool, 'order-3'))?.status === 'canceled', 'order-3 canceled');
  await assert.rejects(rebuildProjection(ordersProjection, { pool: db.pool, source: 'store' }), ProjectionBusyError, 'no rebuild under a live projector');
  await projector.stop();
  await relay.stop();

  const one = await getOrder(db.pool, 'order-1');
  assert.deepEqual({ ...one, createdAt: undefined, updatedAt: undefined }, {
    orderId: 'order-1', customerId: 'c-1', total: 42.5, status: 'paid', cancelReason: undefined, version: 2, createdAt: undefined, updatedAt: undefined,
  });
  assert.equal(await getOrder(db.pool, 'order-2'), undefined, 'the malformed event changed nothing');
  assert.equal((await getOrder(db.pool, 'order-3'))?.cancelReason, 'out of stock');
  assert.equal((await subscriptionLag(db.pool, 'orders')).lagEvents, 1, 'only the customer event (not an orders type) is after the checkpoint');
  assert.equal((await projector.lag()).lagEvents, 0, 'caught up on its own types');

  const letters: DeadLetter[] = [];
  await bus.readHistory(bus.subjects.deadLetter, { from: 'all' }, async (ms) => void letters.push(...ms.map(decodeDeadLetter)));
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.consumer, 'projection-orders');
  assert.match(letters[0]!.reason, /InvalidOrderEventError: OrderCreated .*total must be a number/);

  const rows = (await db.pool.query('SELECT * FROM orders_view ORDER BY order_id')).rows;
  assert.deepEqual(await rebuildProjection(ordersProjection, { pool: db.pool, source: 'store' }), { events: 4, skipped: 1 });
  assert.deepEqual((await db.pool.query('SELECT * FROM orders_view ORDER BY order_id')).rows, rows);
});
