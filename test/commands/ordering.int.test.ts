import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandClient } from '../../src/commands/gate/command-client.ts';
import type { OutcomeEvent } from '../../src/commands/worker/command-worker.ts';
import { exampleDomain } from '../../examples/orders/domain/index.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, REDIS_URL, type Harness } from './support/harness.ts';
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './support/processes.ts';
import { assertAppliedOnceInAcceptanceOrder, assertNoOverlapNoConflicts, sendRecorded, shuffle, statusUpdate, type Sent } from './support/workload.ts';

const AGGREGATES = 200;
const PRODUCERS = 4;
const ROUNDS = 6; // 200 creates + 4 producers x 6 rounds x 200 aggregates = 5,000 commands
const CHUNK = 50;

/**
 * 3 worker processes; 200 orders created, then 4 producers each send a status update to every
 * order per round, concurrently, in shuffled chunks. `disturb` runs while the commands flow.
 */
async function runScenario(disturb: (h: Harness, workers: WorkerProcess[], spawn: () => Promise<WorkerProcess>) => Promise<void>) {
  const h = await createHarness();
  const traceKey = `${h.prefix}:trace`;
  const env = {
    DATABASE_URL: h.db.url, REDIS_URL, REDIS_PREFIX: h.prefix, QUEUE_NAME: h.queueName, TRACE_KEY: traceKey,
    WORKER_CONCURRENCY: '40', COMMAND_LOCK_MS: '4000', COMMAND_STALLED_INTERVAL_MS: '1000',
    RECONCILE_INTERVAL_MS: '1000', RECONCILE_AFTER_MS: '3000',
  };
  const spawn = () => startWorkerProcess('test/commands/support/traced-worker.ts', env);
  const workers = await Promise.all([spawn(), spawn(), spawn()]);
  const producers = Array.from({ length: PRODUCERS }, () => new CommandClient({ redisUrl: REDIS_URL, queueName: h.queueName, prefix: h.prefix, registry: exampleDomain, pool: h.db.pool }));
  try {
    const aggregates = Array.from({ length: AGGREGATES }, (_, i) => `order-${i}`);
    const sent: Sent[] = [];
    await sendRecorded(h.client, aggregates.map((id) => ({ commandId: `create-${id}`, type: 'CreateOrder', aggregateId: id, payload: { customerId: 'c', total: 1 } })), sent);

    const produce = async (client: CommandClient, p: number) => {
      for (let round = 0; round < ROUNDS; round++) {
        const order = shuffle(aggregates);
        const chunks = Array.from({ length: order.length / CHUNK }, (_, i) => order.slice(i * CHUNK, (i + 1) * CHUNK));
        await Promise.all(chunks.map((chunk) => sendRecorded(client, chunk.map((id) => statusUpdate(p, round, id)), sent)));
      }
    };
    await Promise.all([...producers.map(produce), disturb(h, workers, spawn)]);
    assert.equal(sent.length, 5_000);

    const processed = async () => Number((await h.db.pool.query('SELECT count(*) FROM processed_commands')).rows[0].count);
    await waitUntil(async () => (await processed()) >= sent.length, 'every command processed', 240_000);
    await assertAppliedOnceInAcceptanceOrder(h.db.pool, sent);
    await waitUntil(async () => (await h.redis.llen(traceKey)) >= sent.length, 'every outcome traced');
    const traces = (await h.redis.lrange(traceKey, 0, -1)).map((t) => JSON.parse(t) as OutcomeEvent);
    assert.ok(traces.every((t) => t.status === 'accepted'));
    assertNoOverlapNoConflicts(traces);

    await waitUntil(async () => (await h.client.backlogSize()) === 0, 'no aggregate left stuck in the gate', 60_000);
    assert.equal(await h.redis.zcard(`${h.prefix}:${h.queueName}:gate:backlog`), 0);
    return { workers, traces };
  } finally {
    await Promise.all(producers.map((p) => p.close()));
    const exits = await Promise.all(workers.map((w) => stopWorkerProcess(w)));
    await h.close();
    for (const exit of exits.slice(-3)) assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM: graceful exit 0');
  }
}

describe('per-aggregate ordering across 3 worker processes', () => {
  it('5,000 commands over 200 aggregates from 4 concurrent producers: acceptance order, no overlap, no conflicts', async () => {
    const { traces } = await runScenario(async () => {});
    // What makes this an ordering test across processes: one aggregate's commands ran in more than
    // one process. Which of the three took part is up to the scheduler on a loaded machine.
    const pids = new Map<string, Set<number>>();
    for (const t of traces) pids.set(t.aggregateId, (pids.get(t.aggregateId) ?? new Set()).add((t as unknown as { pid: number }).pid));
    assert.ok([...pids.values()].some((p) => p.size > 1), 'some aggregate\'s commands ran in more than one worker process');
  });

  it('the same with one worker SIGKILLed mid-run and started again: nothing lost, nothing twice, order kept, nothing stuck', async () => {
    await runScenario(async (h, workers, spawn) => {
      await waitUntil(async () => Number((await h.db.pool.query('SELECT count(*) FROM processed_commands')).rows[0].count) >= 1_000, 'run under way', 120_000);
      workers[0]!.child.kill('SIGKILL');
      assert.equal((await workers[0]!.exited).signal, 'SIGKILL');
      await sleep(500);
      workers.push(await spawn());
    });
  });
});
