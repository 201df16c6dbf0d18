import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadWorkerSettings } from '../../src/commands/worker/worker-settings.ts';
import { ConfigError } from '../../src/errors.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, REDIS_URL, type Harness } from './support/harness.ts';
import { startWorkerProcess, stopWorkerProcess } from './support/processes.ts';

describe('workers/worker.ts', () => {
  let h: Harness;
  const processed = async () => Number((await h.db.pool.query('SELECT count(*) FROM processed_commands')).rows[0].count);

  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('SIGTERM stops taking commands, finishes the running ones and exits 0; a new worker carries on', async () => {
    const env = { DATABASE_URL: h.db.url, REDIS_URL, REDIS_PREFIX: h.prefix, QUEUE_NAME: h.queueName, WORKER_CONCURRENCY: '5' };
    const worker = await startWorkerProcess('workers/worker.ts', env);
    const commands = Array.from({ length: 400 }, (_, i) => ({
      type: i < 40 ? 'CreateOrder' : 'UpdateOrderStatus',
      aggregateId: `order-${i % 40}`,
      payload: i < 40 ? { customerId: 'c', total: i } : { status: 'paid' },
    }));
    await h.client.sendMany(commands);
    await waitUntil(async () => (await processed()) >= 50, 'the worker is busy');

    assert.deepEqual(await stopWorkerProcess(worker), { code: 0, signal: null });
    assert.match(worker.output(), /"msg":"stopped"/);
    assert.equal(await h.queue.getActiveCount(), 0, 'no command left running or abandoned');
    const atStop = await processed();
    assert.ok(atStop < commands.length, 'stopped before the end of the work');

    const second = await startWorkerProcess('workers/worker.ts', env);
    await waitUntil(async () => (await processed()) === commands.length, 'the second worker finished the rest', 60_000);
    assert.deepEqual(await stopWorkerProcess(second), { code: 0, signal: null });
    const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM processed_commands WHERE status = 'accepted'`);
    assert.equal(rows[0].n, commands.length, 'every command accepted once, none lost');
    assert.equal(await h.client.backlogSize(), 0);
  });

  it('refuses a bad worker setting, naming it', () => {
    assert.throws(() => loadWorkerSettings({ WORKER_CONCURRENCY: 'many', COMMAND_LOCK_MS: '10' }), (e: unknown) =>
      e instanceof ConfigError && e.problems.length === 2 && /WORKER_CONCURRENCY/.test(e.message) && /COMMAND_LOCK_MS/.test(e.message));
    assert.equal(loadWorkerSettings({}).concurrency, 100);
  });
});
