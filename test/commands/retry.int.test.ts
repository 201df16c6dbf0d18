import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { z } from 'zod';
import type { AggregateDefinition } from '../../src/commands/domain/aggregate.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { parseData } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, type Harness } from './support/harness.ts';

const Counter: AggregateDefinition<{ steps: number }> = {
  type: 'Counter',
  commands: { Step: z.object({ n: z.number().int() }), Check: z.object({}) },
  initialState: () => ({ steps: 0 }),
  // Check decides no events: accepted, at the same version.
  decide: (_state, command) => (command.type === 'Check' ? [] : [{ type: 'Stepped', data: { n: command.payload.n } }]),
  evolve: (state) => ({ steps: state.steps + 1 }),
};

/**
 * The worker's database, except that the first `failures` appends carrying `commandId` fail the
 * way a reset connection does (the whole statement fails, nothing is written).
 */
function resettingPool(pool: pg.Pool, commandId: string, failures: number): pg.Pool {
  const query = (config: string | pg.QueryConfig, params?: unknown[]) => {
    const { text, values } = typeof config === 'string' ? { text: config, values: params } : config;
    const carries = text.includes('eventstore_append(') && values?.some((p) => Array.isArray(p) && p.includes(commandId));
    if (carries && failures-- > 0) return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }));
    return pool.query(config as string, params);
  };
  return new Proxy(pool, { get: (target, key) => (key === 'query' ? query : Reflect.get(target, key)) });
}

describe('retries', () => {
  let h: Harness;

  before(async () => {
    h = await createHarness({ registry: new CommandRegistry([Counter]), client: { jobs: { backoffMs: 200 } } });
    await h.startWorker({ concurrency: 10, pool: resettingPool(h.db.pool, 'step-1', 2) });
  });
  after(() => h.close());

  it('a command failing twice and succeeding on attempt 3 (with backoff) keeps its place ahead of later ones', async () => {
    await h.client.sendMany([
      ...[1, 2, 3, 4, 5].map((n) => ({ commandId: `step-${n}`, type: 'Step', aggregateId: 'flaky-1', payload: { n } })),
      { commandId: 'other-1', type: 'Step', aggregateId: 'flaky-2', payload: { n: 1 } },
    ]);
    // A retrying aggregate holds up no other.
    await waitUntil(async () => (await h.client.getCommand('other-1'))?.state === 'completed', 'the other aggregate ran');
    assert.notEqual((await h.client.getCommand('step-5'))?.state, 'completed');
    await waitUntil(async () => (await h.client.getCommand('step-5'))?.state === 'completed', 'all steps ran', 30_000);

    const events = await new EventStore(h.db.pool).readStream('flaky-1');
    assert.deepEqual(events.map((e) => parseData(e)), [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    const first = await h.client.getCommand('step-1');
    assert.equal(first?.attempts, 3);
    const failedAttempts = h.outcomes.filter((o) => o.commandId === 'step-1');
    assert.deepEqual(failedAttempts.map((o) => [o.status, o.attempts]), [['accepted', 3]]);
  });

  it('accepts a command that decides no events at the same version, once', async () => {
    const command = { commandId: 'check-1', type: 'Check', aggregateId: 'flaky-2', payload: {} };
    const outcome = await h.client.sendAndWait(command);
    assert.deepEqual(outcome, { commandId: 'check-1', aggregateId: 'flaky-2', status: 'accepted', version: 1, eventIds: [] });
    assert.deepEqual(await h.client.sendAndWait(command), outcome);
  });
});
