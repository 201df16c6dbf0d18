import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { getOrder, ordersProjection } from '../../examples/orders/orders-projection.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(() => db.drop());

test('a rebuild from the store waits for events an open transaction holds back, instead of ending partial', async () => {
  const store = new EventStore(db.pool);
  // A transaction with an id, open anywhere in the cluster, holds every commit-order reader back.
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT pg_current_xact_id()');
    for (let i = 1; i <= 5; i++) {
      await store.append(`order-${i}`, [jsonEvent('OrderCreated', { customerId: `c-${i}`, total: i })], { aggregateType: 'Order' });
    }

    let finished = false;
    const rebuild = rebuildProjection(ordersProjection, { pool: db.pool, source: 'store', batchSize: 2 }).finally(() => (finished = true));
    await sleep(500);
    assert.equal(finished, false, 'the rebuild is still waiting for the held-back events');

    await blocker.query('COMMIT');
    assert.deepEqual(await rebuild, { events: 5, skipped: 0 });
    for (let i = 1; i <= 5; i++) assert.equal((await getOrder(db.pool, `order-${i}`))?.total, i);
  } finally {
    await blocker.end();
  }
});
