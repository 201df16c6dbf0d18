import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { subscriptionLag } from '../../src/projections/projector.ts';
import { commitOrder as storeCommitOrder } from '../support/commit-order.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders } from '../bus/helpers.ts';
import { transports } from '../bus/stan-server.ts';
import { auditedEventIds, auditProjection } from './fixtures/audit-projection.ts';
import { useProjectorHarness } from './fixtures/projector-harness.ts';

for (const transport of transports('the exactly-once projector test')) {
  describe(`on ${transport}`, () => {
    const harness = useProjectorHarness(transport);
    const { startChild } = harness;

    test('a projector SIGKILLed between its commit and its ack applies every event exactly once after restart', async () => {
      const written = await writeOrders(harness.db.pool, { orders: 100, updates: 2, writers: 4 });
      const crashing = startChild({ KILL_AFTER: '120' });
      const [, signal] = await once(crashing, 'exit');
      assert.equal(signal, 'SIGKILL', 'the child killed itself after a commit, before the ack');
      assert.equal((await auditedEventIds(harness.db.pool)).length, 120, 'the 120th event was committed; its ack never sent');

      const restarted = startChild();
      await waitUntil(async () => (await subscriptionLag(harness.db.pool, 'audit')).lagEvents === 0, 'the projector caught up', 60_000);
      restarted.kill('SIGTERM');
      await once(restarted, 'exit');

      const applied = await auditedEventIds(harness.db.pool);
      const commitOrder = await storeCommitOrder(harness.db.pool);
      assert.equal(applied.length, written);
      assert.deepEqual(applied, commitOrder, 'each event applied once, in commit order (the redelivered 120th was skipped)');

      await rebuildProjection(auditProjection(), { pool: harness.db.pool, source: 'store' });
      assert.deepEqual(await auditedEventIds(harness.db.pool), applied, 'the rows equal a rebuild from scratch');
    });
  });
}
