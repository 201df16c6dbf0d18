import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandWorker } from '../../src/commands/worker/command-worker.ts';
import { AggregateNotHaltedError } from '../../src/commands/gate/gate.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { Order, UserAccount } from '../../examples/orders/domain/index.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, type Harness } from './support/harness.ts';

describe('failure policy halt', () => {
  let h: Harness;
  let worker: CommandWorker;

  before(async () => {
    // Orders halt after a command fails for good; user accounts keep the default (continue).
    h = await createHarness({ registry: new CommandRegistry([{ ...Order, failurePolicy: 'halt' }, UserAccount]) });
    worker = await h.startWorker();
  });
  after(() => h.close());

  it('holds the later commands of a halted aggregate until an operator resumes it; other aggregates run on', async () => {
    const rejected = await h.client.sendAndWait({ type: 'UpdateOrderStatus', aggregateId: 'order-h', payload: { status: 'paid' } });
    assert.equal(rejected.status, 'rejected');
    await h.client.send({ commandId: 'h-1', type: 'CreateOrder', aggregateId: 'order-h', payload: { customerId: 'c', total: 1 } });
    await h.client.send({ commandId: 'h-2', type: 'UpdateOrderStatus', aggregateId: 'order-h', payload: { status: 'paid' } });
    assert.equal((await h.client.sendAndWait({ type: 'CreateOrder', aggregateId: 'order-other', payload: { customerId: 'c', total: 1 } })).status, 'accepted');

    const [halted] = await h.client.haltedAggregates();
    assert.equal(halted?.aggregateId, 'order-h');
    assert.equal(halted?.commandId, rejected.commandId);
    assert.match(halted!.reason, /does not exist/);
    // A sweep of the reconciler (the gate is stale by now) must not release a halted aggregate either.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await worker.reconcile();
    assert.equal((await h.client.getCommand('h-1'))?.state, 'queued');
    assert.equal(await h.client.backlogSize(), 2);

    await h.client.resumeAggregate('order-h');
    await waitUntil(async () => (await h.client.getCommand('h-2'))?.state === 'completed', 'resumed commands ran');
    assert.equal((await h.client.getCommand('h-1'))?.outcome?.status, 'accepted');
    assert.deepEqual(await h.client.haltedAggregates(), []);
    await assert.rejects(h.client.resumeAggregate('order-h'), AggregateNotHaltedError);
  });

  it('does not halt aggregates whose policy is continue', async () => {
    const rejected = await h.client.sendAndWait({ type: 'CloseUserAccount', aggregateId: 'user-h', payload: { reason: 'x' } });
    assert.equal(rejected.status, 'rejected');
    assert.equal((await h.client.sendAndWait({ type: 'OpenUserAccount', aggregateId: 'user-h', payload: { email: 'h@example.com' } })).status, 'accepted');
    assert.deepEqual(await h.client.haltedAggregates(), []);
  });
});
