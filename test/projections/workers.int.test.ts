import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import { subscriptionLag } from '../../src/projections/projector.ts';
import type { TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders, closeDatabaseAndBus, openDatabaseAndBus, type TestBus } from '../bus/helpers.ts';

let db: TestDatabase;
let bus: TestBus;
const children: ChildProcess[] = [];

before(async () => {
  ({ db, bus } = await openDatabaseAndBus());
});
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await closeDatabaseAndBus(db, bus);
});

function worker(name: string, args: string[] = [], env: Record<string, string> = {}): ChildProcess {
  const child = fork(fileURLToPath(new URL(`../../workers/${name}.ts`, import.meta.url)), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: db.url, NATS_PREFIX: bus.subjects.prefix, EVENT_BUS: 'jetstream', LOG_LEVEL: 'warn', ...env },
    stdio: 'inherit',
  });
  children.push(child);
  return child;
}

test('the relay, dispatcher and projector processes carry events to orders_view and stop on SIGTERM with exit code 0', async () => {
  const processes = [worker('relay'), worker('dispatcher'), worker('projector', ['orders'], { PROJECTOR_SOURCE: 'dispatcher' })];
  const written = await writeOrders(db.pool, { orders: 40, updates: 2, writers: 2 });
  await waitUntil(async () => {
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM orders_view WHERE status = 's2'");
    return rows[0].n === 40;
  }, 'every order projected with its last status', 60_000);
  assert.equal((await subscriptionLag(db.pool, 'orders', ordersProjection.eventTypes)).lagEvents, 0);
  assert.equal(written, 120);
  for (const child of processes) {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  }
});
