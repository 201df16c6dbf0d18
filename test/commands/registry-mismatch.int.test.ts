import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import type { CommandWorker, UnknownTypeEvent } from '../../src/commands/worker/command-worker.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { exampleDomain, Order } from '../../examples/orders/domain/index.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, type Harness } from './support/harness.ts';

/**
 * Workers of one queue with different registries, as in a rolling deploy that adds UserAccount:
 * the old worker knows only Order, producers already send UserAccount commands.
 */
describe('a worker whose registry lacks a command type', () => {
  let h: Harness;
  let oldWorker: CommandWorker;
  const unknown: UnknownTypeEvent[] = [];
  const metrics = new Metrics({ processMetrics: false });

  before(async () => {
    h = await createHarness({ registry: exampleDomain });
    oldWorker = await h.startWorker({ registry: new CommandRegistry([Order]), unknownTypeRetryMs: 200 });
    oldWorker.on('unknown_type', (event: UnknownTypeEvent) => unknown.push(event));
    metrics.observeWorker(oldWorker);
  });
  after(() => h.close());

  it('leaves the command queued and its aggregate waiting, without using up an attempt, until a worker that knows the type runs it in order', async () => {
    await h.client.sendMany([
      { commandId: 'open-1', type: 'OpenUserAccount', aggregateId: 'user-1', payload: { email: 'u@example.com' } },
      { commandId: 'close-1', type: 'CloseUserAccount', aggregateId: 'user-1', payload: { reason: 'done' } },
    ]);
    await waitUntil(() => unknown.filter((e) => e.commandId === 'open-1').length >= 2, 'the old worker left open-1 twice');
    assert.deepEqual(unknown[0], { commandId: 'open-1', commandType: 'OpenUserAccount', aggregateId: 'user-1', retryInMs: 200 });
    const open = await h.client.getCommand('open-1');
    assert.ok(open && open.state !== 'failed' && open.state !== 'completed', `open-1 is still queued: ${JSON.stringify(open)}`);
    assert.equal((await h.queue.getJob('open-1'))!.attemptsMade, 0, 'no attempt used up');
    assert.equal((await h.client.getCommand('close-1'))?.state, 'queued', 'the later command waits behind it');
    assert.deepEqual(await h.client.gate.pending('user-1'), ['open-1', 'close-1']);
    assert.ok(!h.outcomes.some((o) => o.aggregateId === 'user-1'), 'no outcome, not even failed');
    assert.match(await metrics.registry.getSingleMetricAsString('eventstore_commands_unknown_type_total'), /eventstore_commands_unknown_type_total\{type="OpenUserAccount"\} [1-9]/);
    // The old worker goes on running what it knows, and its reconciler leaves the waiting head alone.
    assert.equal((await h.client.sendAndWait({ type: 'CreateOrder', aggregateId: 'order-1', payload: { customerId: 'c', total: 1 } })).status, 'accepted');
    await oldWorker.reconcile();
    assert.notEqual((await h.client.getCommand('open-1'))?.state, 'failed');

    await h.startWorker({ registry: exampleDomain });
    await waitUntil(async () => (await h.client.getCommand('close-1'))?.state === 'completed', 'a worker that knows the type ran both');
    assert.equal((await h.client.getCommand('open-1'))?.outcome?.status, 'accepted');
    const events = await new EventStore(h.db.pool).readStream('user-1');
    assert.deepEqual(events.map((e) => e.eventType), ['UserAccountOpened', 'UserAccountClosed']);
    assert.equal(await h.client.backlogSize(), 0);
  });

  it('still fails for good a job no registry could run: a type that is not a type name', async () => {
    await h.queue.add('x', { commandId: 'no-type', commandType: 42, aggregateId: 'user-2', aggregateType: 'UserAccount', payload: {}, metadata: {} }, { jobId: 'no-type' });
    await waitUntil(async () => (await h.queue.getJob('no-type'))?.finishedOn !== undefined, 'no-type failed');
    const job = await h.queue.getJob('no-type');
    assert.match(job!.failedReason, /malformed command job: unknown command type 42/);
    assert.equal(job!.attemptsMade, 1, 'not retried');
  });
});
