import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Job } from 'bullmq';
import { EventStore } from '../../src/store/event-store.ts';
import { jsonEvent } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, type Harness } from './support/harness.ts';

const create = (commandId: string, aggregateId: string) => ({ commandId, type: 'CreateOrder', aggregateId, payload: { customerId: 'c', total: 1 } });
const status = (commandId: string, aggregateId: string, value: string) => ({ commandId, type: 'UpdateOrderStatus', aggregateId, payload: { status: value } });
const cancel = (commandId: string, aggregateId: string) => ({ commandId, type: 'CancelOrder', aggregateId, payload: { reason: 'test' } });

/**
 * A worker holding an aggregate's gate head decides the commands parked behind it in order and
 * appends them in the head's statement (followers). These tests queue commands while no worker
 * runs, so the whole run is parked behind its head when the worker starts.
 */
describe('runs of one aggregate\'s commands in one append', () => {
  let h: Harness;
  const store = () => new EventStore(h.db.pool);
  const transactions = async (aggregateId: string) =>
    (await store().readStream(aggregateId)).map((e) => e.transactionId);
  const completed = (commandId: string) => async () => (await h.client.getCommand(commandId))?.state === 'completed';

  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('appends a run in one statement, each command with its own outcome, version and events', async () => {
    const commands = [create('r-create', 'run-1'), status('r-paid', 'run-1', 'paid'), status('r-shipped', 'run-1', 'shipped'), cancel('r-cancel', 'run-1')];
    await h.client.sendMany(commands);
    const worker = await h.startWorker();
    try {
      await waitUntil(completed('r-cancel'), 'the run completed');
      const events = await store().readStream('run-1');
      assert.deepEqual(events.map((e) => e.eventType), ['OrderCreated', 'OrderStatusUpdated', 'OrderStatusUpdated', 'OrderCanceled']);
      assert.equal(new Set(events.map((e) => e.transactionId)).size, 1, 'one statement, one commit');
      for (const [i, c] of commands.entries()) {
        const status = await h.client.getCommand(c.commandId);
        assert.equal(status?.state, 'completed', c.commandId);
        assert.deepEqual(status?.outcome, { commandId: c.commandId, aggregateId: 'run-1', status: 'accepted', version: i + 1, eventIds: [events[i]!.eventId] });
        assert.equal(events[i]!.metadata.causationId, c.commandId, 'each event is caused by its own command');
      }
      const seqs = events.map((e) => Number(e.metadata.extra?.acceptedSeq));
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'acceptance order stamped on every event');
      assert.equal(new Set(seqs).size, 4);
      assert.deepEqual(h.outcomes.filter((o) => o.aggregateId === 'run-1').map((o) => [o.commandId, o.status, o.ranWith]).sort(), [
        ['r-cancel', 'accepted', 'r-create'], ['r-create', 'accepted', 'r-create'], ['r-paid', 'accepted', 'r-create'], ['r-shipped', 'accepted', 'r-create'],
      ]);
      await waitUntil(async () => (await h.client.backlogSize()) === 0, 'the gate is empty');
    } finally {
      await worker.close();
    }
  });

  it('ends a run before a command that is rejected; it runs on its own, on the same state, and the rest follow', async () => {
    await h.client.sendMany([create('m-create', 'run-2'), cancel('m-cancel', 'run-2'), status('m-rejected', 'run-2', 'paid'), cancel('m-cancel-again', 'run-2'), create('m-create-again', 'run-2')]);
    const worker = await h.startWorker();
    try {
      await waitUntil(async () => (await h.client.getCommand('m-create-again'))?.state === 'failed', 'the run finished');
      const outcomes = await Promise.all(['m-create', 'm-cancel', 'm-rejected', 'm-cancel-again', 'm-create-again'].map(async (id) => (await h.client.getCommand(id))?.outcome));
      assert.deepEqual(outcomes.map((o) => o?.status), ['accepted', 'accepted', 'rejected', 'rejected', 'rejected']);
      assert.match(outcomes[2]!.status === 'rejected' ? outcomes[2]!.reason : '', /cancelled/);
      assert.deepEqual((await store().readStream('run-2')).map((e) => e.eventType), ['OrderCreated', 'OrderCanceled']);
      const recorded = await store().getProcessedCommand('m-rejected');
      assert.equal(recorded?.status, 'rejected');
    } finally {
      await worker.close();
    }
  });

  it('with maxBatch 1, runs every command on its own', async () => {
    await h.client.sendMany([create('one-create', 'run-3'), status('one-paid', 'run-3', 'paid'), status('one-shipped', 'run-3', 'shipped')]);
    const worker = await h.startWorker({ maxBatch: 1 });
    try {
      await waitUntil(completed('one-shipped'), 'all ran');
      assert.equal(new Set(await transactions('run-3')).size, 3);
    } finally {
      await worker.close();
    }
  });

  it('a run committed by a worker that died before finishing its jobs: each command completes once, with the recorded outcome', async () => {
    const commands = [create('d-create', 'run-4'), status('d-paid', 'run-4', 'paid'), status('d-shipped', 'run-4', 'shipped'), status('d-later', 'run-4', 'delivered')];
    await h.client.sendMany(commands);
    // What the dead worker left: the first three commands' events and records, committed in one
    // statement; their jobs still in the gate, parked.
    const { committed: [run] } = await store().appendMany([{
      aggregateId: 'run-4', aggregateType: 'Order', expectedVersion: 'no_stream',
      events: [jsonEvent('OrderCreated', { customerId: 'c', total: 1 }), jsonEvent('OrderStatusUpdated', { status: 'paid' }), jsonEvent('OrderStatusUpdated', { status: 'shipped' })],
      commands: commands.slice(0, 3).map((c) => ({ commandId: c.commandId, commandType: c.type, eventCount: 1 })),
    }]);
    assert.ok(run);
    const worker = await h.startWorker();
    try {
      await waitUntil(completed('d-later'), 'every command ran');
      const events = await store().readStream('run-4');
      assert.deepEqual(events.map((e) => e.eventType), ['OrderCreated', 'OrderStatusUpdated', 'OrderStatusUpdated', 'OrderStatusUpdated'], 'nothing applied twice');
      for (const [i, c] of commands.slice(0, 3).entries()) {
        assert.deepEqual((await h.client.getCommand(c.commandId))?.outcome, { commandId: c.commandId, aggregateId: 'run-4', status: 'accepted', version: i + 1, eventIds: [run.events[i]!.eventId] });
      }
      const later = (await h.client.getCommand('d-later'))?.outcome;
      assert.ok(later?.status === 'accepted');
      assert.deepEqual([later.version, later.eventIds], [4, [events[3]!.eventId]]);
    } finally {
      await worker.close();
    }
  });

  it('BullMQ and waiting producers see a follower as a completed job: state, return value, finish time, attempts', async () => {
    await h.client.send(create('b-create', 'run-5'));
    const waiting = h.client.sendAndWait(status('b-paid', 'run-5', 'paid'));
    await waitUntil(async () => (await h.client.getCommand('b-paid'))?.state === 'queued', 'queued behind its head');
    const worker = await h.startWorker();
    try {
      const outcome = await waiting;
      assert.equal(outcome.status === 'accepted' && outcome.version, 2);
      assert.equal(h.outcomes.find((o) => o.commandId === 'b-paid')?.ranWith, 'b-create', 'it ran as a follower');
      const job = (await Job.fromId(h.queue, 'b-paid'))!;
      assert.equal(await job.getState(), 'completed');
      assert.equal(job.returnvalue.version, 2);
      assert.ok(job.finishedOn && job.processedOn);
      assert.equal(job.attemptsMade, 1);
      assert.ok((await h.queue.getCompleted()).some((j) => j.id === 'b-paid'));
      assert.equal((await h.queue.getDelayed()).some((j) => j.id === 'b-paid'), false, 'no longer parked');
    } finally {
      await worker.close();
    }
  });
});
