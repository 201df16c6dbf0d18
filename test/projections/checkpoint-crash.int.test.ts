import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Relay } from '../../src/bus/relay.ts';
import { subscriptionLag } from '../../src/projections/projector.ts';
import { readCheckpoint } from '../../src/subscriptions/checkpoint.ts';
import type { TestDatabase } from '../support/database.ts';
import { commitOrder, commitPositionAt } from '../support/commit-order.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders, closeDatabaseAndBus, openDatabaseAndBus, type TestBus } from '../bus/helpers.ts';
import { AUDIT_TABLE_SQL, auditedEventIds } from './fixtures/audit-projection.ts';

const CHILD = fileURLToPath(new URL('./fixtures/projector-child.ts', import.meta.url));

let db: TestDatabase;
let bus: TestBus;
let relay: Relay;
const children = new Set<ChildProcess>();

before(async () => {
  ({ db, bus } = await openDatabaseAndBus({ sql: AUDIT_TABLE_SQL }));
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
    env: { ...process.env, DATABASE_URL: db.url, NATS_PREFIX: bus.subjects.prefix, EVENT_BUS: 'jetstream', LOG_LEVEL: 'warn', ...env },
    stdio: 'inherit',
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

test('a projector killed after its handler wrote and before its checkpoint was written applies every event exactly once', async () => {
  const written = await writeOrders(db.pool, { orders: 60, updates: 2, writers: 4 });
  const crashing = startChild({ KILL_BEFORE_CHECKPOINT: '70' });
  const [, signal] = await once(crashing, 'exit');
  assert.equal(signal, 'SIGKILL', 'the child killed itself inside the transaction of the 70th event');

  // The handler's write of the 70th event died with its transaction: it and the checkpoint commit together or not at all.
  const order = await commitOrder(db.pool);
  assert.deepEqual(await auditedEventIds(db.pool), order.slice(0, 69), 'the 70th event\'s row was rolled back with its transaction');
  assert.deepEqual(await readCheckpoint(db.pool, 'audit'), await commitPositionAt(db.pool, 69), 'the checkpoint stands at the 69th event');

  const restarted = startChild();
  await waitUntil(async () => (await subscriptionLag(db.pool, 'audit')).lagEvents === 0, 'the projector caught up', 60_000);
  restarted.kill('SIGTERM');
  await once(restarted, 'exit');

  assert.equal(order.length, written);
  assert.deepEqual(await auditedEventIds(db.pool), order, 'each event applied once, in commit order');
});
