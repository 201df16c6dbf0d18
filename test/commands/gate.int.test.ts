import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Job } from 'bullmq';
import { bullJobOptions } from '../../src/commands/gate/job-options.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { parseData } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, type Harness } from './support/harness.ts';

const status = (commandId: string, aggregateId: string, value: string) => ({ commandId, type: 'UpdateOrderStatus', aggregateId, payload: { status: value } });

describe('the ordering gate', () => {
  let h: Harness;
  const statuses = async (aggregateId: string) => (await new EventStore(h.db.pool).readStream(aggregateId)).map((e) => parseData(e));

  before(async () => {
    // A short park period, so a parked job wakes up within the test.
    h = await createHarness({ client: { parkMs: 1_500 } });
  });
  after(() => h.close());

  it('stores a command as BullMQ itself stores a delayed job: same hash, state, score and events', async () => {
    await h.client.sendMany([status('twin-head', 'order-twin', 'paid'), status('twin', 'order-twin', 'shipped')]);
    const ours = (await Job.fromId(h.queue, 'twin'))!;
    const theirs = await h.queue.add(ours.name, ours.data, { ...bullJobOptions(), jobId: 'bullmq-twin', delay: ours.delay });
    const fields = (job: Job) => ({ name: job.name, data: job.data, opts: { ...job.opts, jobId: undefined }, delay: job.delay, priority: job.priority, attemptsMade: job.attemptsMade });
    assert.deepEqual(fields(ours), fields((await Job.fromId(h.queue, theirs.id!))!));
    assert.ok(Math.abs(ours.timestamp - theirs.timestamp) < 5_000);
    assert.equal(await ours.getState(), 'delayed');
    assert.equal((await h.client.getCommand('twin'))?.state, 'queued');
    const [hash, bullHash] = await Promise.all(['twin', 'bullmq-twin'].map((id) => h.redis.hgetall(`${h.prefix}:${h.queueName}:${id}`)));
    const gateFields = ['acceptedSeq', 'fingerprint']; // the gate's own, next to BullMQ's
    assert.deepEqual(Object.keys(hash!).filter((k) => !gateFields.includes(k)).sort(), Object.keys(bullHash!).sort(), 'the same hash fields');
    const score = (id: string) => h.redis.zscore(`${h.prefix}:${h.queueName}:delayed`, id);
    assert.equal(Math.floor(Number(await score('twin')) / 4096), ours.timestamp + ours.delay, 'BullMQ\'s delayed score: due time * 4096 + counter');
    const events = await h.redis.xrange(`${h.prefix}:${h.queueName}:events`, '-', '+');
    const kinds = (id: string) => events.filter(([, f]) => f[3] === id).map(([, f]) => f[1]);
    assert.deepEqual(kinds('twin'), kinds('bullmq-twin'));
    await h.queue.remove('bullmq-twin');
  });

  it('keeps the order when parked jobs are promoted from outside the gate ("promote all" in a UI)', async () => {
    await h.client.send({ commandId: 'create', type: 'CreateOrder', aggregateId: 'order-p', payload: { customerId: 'c', total: 1 } });
    await h.client.sendMany([status('s-1', 'order-p', 'paid'), status('s-2', 'order-p', 'shipped'), status('s-3', 'order-p', 'delivered')]);
    assert.equal((await h.client.getCommand('s-3'))?.state, 'queued');
    await h.queue.promoteJobs();
    assert.equal((await h.client.getCommand('s-3'))?.state, 'waiting', 'bypassed the gate');
    await h.startWorker();
    await waitUntil(async () => (await h.client.getCommand('s-3'))?.state === 'completed', 'all ran');
    assert.deepEqual(await statuses('order-p'), [{ customerId: 'c', total: 1 }, { status: 'paid' }, { status: 'shipped' }, { status: 'delivered' }]);
  });

  it('runs a job whose producer died between adding it and admitting it, once its park period ends', async () => {
    await h.client.sendAndWait({ commandId: 'create-o', type: 'CreateOrder', aggregateId: 'order-o', payload: { customerId: 'c', total: 1 } });
    const data = { commandId: 'orphan', commandType: 'UpdateOrderStatus', aggregateId: 'order-o', aggregateType: 'Order', payload: { status: 'paid' }, metadata: {}, issuedAt: new Date().toISOString() };
    await h.queue.add('UpdateOrderStatus', data, { jobId: 'orphan', delay: 1_500 });
    await waitUntil(async () => (await h.client.getCommand('orphan'))?.state === 'completed', 'the orphan was admitted and ran');
    assert.deepEqual(await statuses('order-o'), [{ customerId: 'c', total: 1 }, { status: 'paid' }]);
    assert.equal(await h.client.backlogSize(), 0);
  });
});

describe('the ordering gate without the reconciler', () => {
  let h: Harness;
  const statuses = async (aggregateId: string) => (await new EventStore(h.db.pool).readStream(aggregateId)).map((e) => parseData(e));

  // The default park period (an hour) and a reconciler that never sweeps: a parked command runs
  // only if the gate itself promotes it when the command before it finishes.
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('claims only the head of an aggregate: a command behind it is told to stay parked', async () => {
    await h.client.sendMany([status('h-1', 'order-h', 'paid'), status('h-2', 'order-h', 'shipped'), status('h-3', 'order-h', 'delivered')]);
    assert.equal((await h.client.gate.claim('order-h', 'h-3')).status, 'parked', 'the tail');
    assert.equal((await h.client.gate.claim('order-h', 'h-2')).status, 'parked', 'the second');
    assert.equal((await h.client.gate.claim('order-h', 'h-1')).status, 'head');
  });

  it('promotes an aggregate\'s next command itself when the one before it finishes', async () => {
    await h.client.send({ commandId: 'n-create', type: 'CreateOrder', aggregateId: 'order-n', payload: { customerId: 'c', total: 1 } });
    await h.client.sendMany([status('n-1', 'order-n', 'paid'), status('n-2', 'order-n', 'shipped'), status('n-3', 'order-n', 'delivered')]);
    // maxBatch 1: each command runs as a head, so each finish must promote the next (no followers ride along).
    await h.startWorker({ reconcileIntervalMs: 3_600_000, reconcileAfterMs: 3_600_000, maxBatch: 1 });
    await waitUntil(async () => (await h.client.getCommand('n-3'))?.state === 'completed', 'each command promoted the next', 30_000);
    assert.deepEqual(await statuses('order-n'), [{ customerId: 'c', total: 1 }, { status: 'paid' }, { status: 'shipped' }, { status: 'delivered' }]);
  });
});
