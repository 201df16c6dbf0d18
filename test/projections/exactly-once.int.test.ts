import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Relay } from '../../src/bus/relay.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { subscriptionLag } from '../../src/projections/projector.ts';
import type { TestDatabase } from '../support/database.ts';
import { commitOrder as storeCommitOrder } from '../support/commit-order.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders, closeDatabaseAndBus, openDatabaseAndBus, type TestBus } from '../bus/helpers.ts';
import { transports } from '../bus/stan-server.ts';
import { AUDIT_TABLE_SQL, auditedEventIds, auditProjection } from './fixtures/audit-projection.ts';

const CHILD = fileURLToPath(new URL('./fixtures/projector-child.ts', import.meta.url));

for (const transport of transports('the exactly-once projector test')) {
  describe(`on ${transport}`, () => {
    let db: TestDatabase;
    let bus: TestBus;
    let relay: Relay;
    const children = new Set<ChildProcess>();

    before(async () => {
      ({ db, bus } = await openDatabaseAndBus({ sql: AUDIT_TABLE_SQL, transport }));
      relay = new Relay({ pool: db.pool, bus, maxIdleMs: 20 });
      await relay.start();
    });
    after(async () => {
      for (const child of children) child.kill('SIGKILL');
      await relay.stop();
      await closeDatabaseAndBus(db, bus);
    });

    function startChild(env: Record<string, string> = {}): ChildProcess {
      const child = fork(CHILD, [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, DATABASE_URL: db.url, NATS_PREFIX: bus.subjects.prefix, EVENT_BUS: transport, LOG_LEVEL: 'warn', ...env },
        stdio: 'inherit',
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    }

    test('a projector SIGKILLed between its commit and its ack applies every event exactly once after restart', async () => {
      const written = await writeOrders(db.pool, { orders: 100, updates: 2, writers: 4 });
      const crashing = startChild({ KILL_AFTER: '120' });
      const [, signal] = await once(crashing, 'exit');
      assert.equal(signal, 'SIGKILL', 'the child killed itself after a commit, before the ack');
      assert.equal((await auditedEventIds(db.pool)).length, 120, 'the 120th event was committed; its ack never sent');

      const restarted = startChild();
      await waitUntil(async () => (await subscriptionLag(db.pool, 'audit')).lagEvents === 0, 'the projector caught up', 60_000);
      restarted.kill('SIGTERM');
      await once(restarted, 'exit');

      const applied = await auditedEventIds(db.pool);
      const commitOrder = await storeCommitOrder(db.pool);
      assert.equal(applied.length, written);
      assert.deepEqual(applied, commitOrder, 'each event applied once, in commit order (the redelivered 120th was skipped)');

      await rebuildProjection(auditProjection(), { pool: db.pool, source: 'store' });
      assert.deepEqual(await auditedEventIds(db.pool), applied, 'the rows equal a rebuild from scratch');
    });
  });
}
