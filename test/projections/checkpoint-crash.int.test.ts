import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { subscriptionLag } from '../../src/projections/projector.ts';
import { readCheckpoint } from '../../src/subscriptions/checkpoint.ts';
import { commitOrder, commitPositionAt } from '../support/commit-order.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders } from '../bus/helpers.ts';
import { auditedEventIds } from './fixtures/audit-projection.ts';
import { useProjectorHarness } from './fixtures/projector-harness.ts';

const harness = useProjectorHarness();
const { startChild } = harness;

test('a projector killed after its handler wrote and before its checkpoint was written applies every event exactly once', async () => {
  const written = await writeOrders(harness.db.pool, { orders: 60, updates: 2, writers: 4 });
  const crashing = startChild({ KILL_BEFORE_CHECKPOINT: '70' });
  const [, signal] = await once(crashing, 'exit');
  assert.equal(signal, 'SIGKILL', 'the child killed itself inside the transaction of the 70th event');

  // The handler's write of the 70th event died with its transaction: it and the checkpoint commit together or not at all.
  const order = await commitOrder(harness.db.pool);
  assert.deepEqual(await auditedEventIds(harness.db.pool), order.slice(0, 69), 'the 70th event\'s row was rolled back with its transaction');
  assert.deepEqual(await readCheckpoint(harness.db.pool, 'audit'), await commitPositionAt(harness.db.pool, 69), 'the checkpoint stands at the 69th event');

  const restarted = startChild();
  await waitUntil(async () => (await subscriptionLag(harness.db.pool, 'audit')).lagEvents === 0, 'the projector caught up', 60_000);
  restarted.kill('SIGTERM');
  await once(restarted, 'exit');

  assert.equal(order.length, written);
  assert.deepEqual(await auditedEventIds(harness.db.pool), order, 'each event applied once, in commit order');
});
