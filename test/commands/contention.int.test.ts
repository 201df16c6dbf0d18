import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { CommandClient } from '../../src/commands/gate/command-client.ts';
import { exampleDomain } from '../../examples/orders/domain/index.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, REDIS_URL, type Harness } from './support/harness.ts';
import { assertAppliedOnceInAcceptanceOrder, assertNoOverlapNoConflicts, statusUpdate, type Sent } from './support/workload.ts';

const PRODUCERS = 50;
const AGGREGATES = 5;
const PER_PRODUCER = 20;

describe('contention', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await Promise.all([h.startWorker({ concurrency: 20 }), h.startWorker({ concurrency: 20 })]);
  });
  after(() => h.close());

  it('50 producers on 5 aggregates: zero conflicts, every command applied once, in acceptance order', async () => {
    const aggregates = Array.from({ length: AGGREGATES }, (_, i) => `hot-${i}`);
    const sent: Sent[] = [];
    for (const id of aggregates) await h.client.send({ commandId: `create-${id}`, type: 'CreateOrder', aggregateId: id, payload: { customerId: 'c', total: 1 } });
    sent.push(...aggregates.map((id) => ({ commandId: `create-${id}`, aggregateId: id, calledAt: 0, resolvedAt: 0 })));

    const producers = Array.from({ length: PRODUCERS }, () => new CommandClient({ redisUrl: REDIS_URL, queueName: h.queueName, prefix: h.prefix, registry: exampleDomain, pool: h.db.pool }));
    try {
      await Promise.all(producers.map(async (client, p) => {
        // Each producer sends one command at a time, to a random hot aggregate.
        for (let i = 0; i < PER_PRODUCER; i++) {
          const command = statusUpdate(p, i, aggregates[Math.floor(Math.random() * AGGREGATES)]!);
          const calledAt = performance.now();
          await client.send(command);
          sent.push({ commandId: command.commandId, aggregateId: command.aggregateId, calledAt, resolvedAt: performance.now() });
        }
      }));
    } finally {
      await Promise.all(producers.map((p) => p.close()));
    }
    const total = AGGREGATES + PRODUCERS * PER_PRODUCER;
    // A job that stalls under load runs again and finds its outcome recorded: it reports a second
    // outcome but applies nothing. Count commands, not reports; "applied once" is checked below.
    const finished = () => new Set(h.outcomes.map((o) => o.commandId)).size;
    await waitUntil(() => finished() >= total, 'every command ran', 120_000);
    await assertAppliedOnceInAcceptanceOrder(h.db.pool, sent);
    assert.equal(finished(), total, 'every command has an outcome');
    assertNoOverlapNoConflicts(h.outcomes);
    assert.equal(await h.client.backlogSize(), 0);
  });
});
