import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { getOrder, ordersProjection } from '../../examples/orders/orders-projection.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';

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

    // The positive marker: the rebuild read the store again and again and got nothing back.
    let reads = 0;
    const watched = new Proxy(db.pool, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (property === 'query') {
          return (...args: Parameters<pg.Pool['query']>) => {
            if (typeof args[0] === 'string' && args[0].includes('FROM events')) reads++;
            return (target.query as (...a: unknown[]) => unknown)(...args);
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let finished = false;
    const rebuild = rebuildProjection(ordersProjection, { pool: watched, source: 'store', batchSize: 2 }).finally(() => (finished = true));
    await waitUntil(() => reads >= 10 || finished, 'the rebuild to read the store ten times');
    assert.equal(finished, false, 'the rebuild is still waiting for the held-back events after ten empty reads');
    assert.equal(await getOrder(db.pool, 'order-1'), undefined, 'nothing applied yet');

    await blocker.query('COMMIT');
    assert.deepEqual(await rebuild, { events: 5, skipped: 0 });
    for (let i = 1; i <= 5; i++) assert.equal((await getOrder(db.pool, `order-${i}`))?.total, i);
  } finally {
    await blocker.end();
  }
});
