import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventStore } from '../../src/store/event-store.ts';
import { loadAggregate } from '../../src/commands/worker/aggregate-repository.ts';
import { InvalidCommandPayloadError, UnknownCommandTypeError } from '../../src/commands/domain/errors.ts';
import { CommandTimeoutError, InvalidCommandIdError } from '../../src/commands/gate/errors.ts';
import { Order } from '../../examples/orders/domain/index.ts';
import { InvalidAggregateIdError, PayloadTooLargeError } from '../../src/errors.ts';
import { jsonEvent, parseData } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';
import { createHarness, type Harness } from './support/harness.ts';

const create = (aggregateId: string, extra: object = {}) => ({ type: 'CreateOrder', aggregateId, payload: { customerId: 'c-1', total: 10 }, ...extra });
const status = (aggregateId: string, value: string, extra: object = {}) => ({ type: 'UpdateOrderStatus', aggregateId, payload: { status: value }, ...extra });

describe('CommandClient and CommandWorker', () => {
  let h: Harness;
  let store: EventStore;
  const eventCount = async (aggregateId: string) =>
    Number((await h.db.pool.query('SELECT count(*) FROM events WHERE aggregate_id = $1', [aggregateId])).rows[0].count);

  before(async () => {
    h = await createHarness({ client: { maxCommandBytes: 100 } });
    store = new EventStore(h.db.pool);
    await h.startWorker({ snapshotEvery: 3 });
  });
  after(() => h.close());

  it('accepts a command: events carry the payload as JSON and the command as causation', async () => {
    const outcome = await h.client.sendAndWait(create('order-a', { metadata: { correlationId: 'req-1' } }));
    assert.equal(outcome.status, 'accepted');
    assert.ok(outcome.status === 'accepted' && outcome.version === 1 && outcome.eventIds.length === 1);
    const [event] = await store.readStream('order-a');
    assert.equal(event!.eventType, 'OrderCreated');
    assert.equal(event!.contentType, 'application/json');
    assert.deepEqual(parseData(event!), { customerId: 'c-1', total: 10 });
    const { extra, ...tracing } = event!.metadata;
    assert.deepEqual(tracing, { correlationId: 'req-1', causationId: outcome.commandId });
    assert.match(extra?.acceptedSeq ?? '', /^[0-9]+$/, 'the gate stamps its acceptance sequence');
    assert.equal(h.outcomes.find((o) => o.commandId === outcome.commandId)?.correlationId, 'req-1', 'the outcome carries it for the log');
  });

  it("stamps each aggregate's events with its commands' acceptance sequence, which producers cannot forge", async () => {
    const forged = { metadata: { extra: { acceptedSeq: '999999999', tenant: 'acme' } } };
    const first = await h.client.send(create('order-seq', forged));
    const second = await h.client.send(status('order-seq', 'paid', forged));
    await h.client.sendAndWait(status('order-seq', 'shipped'));
    const events = await store.readStream('order-seq');
    assert.equal(events.length, 3);
    const seqs = events.map((e) => Number(e.metadata.extra?.acceptedSeq));
    assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!, `acceptance order along the versions: ${seqs.join(', ')}`);
    assert.ok(seqs.every((seq) => seq < 999_999_999), 'the forged number was replaced');
    assert.equal(events[0]!.metadata.extra?.tenant, 'acme', 'other producer metadata is kept');
    assert.deepEqual(events.slice(0, 2).map((e) => e.metadata.causationId), [first.commandId, second.commandId]);
  });

  it('rejects a command the domain refuses, records why, and runs the next one (policy continue)', async () => {
    await h.client.sendAndWait(create('order-b'));
    await h.client.sendAndWait({ type: 'CancelOrder', aggregateId: 'order-b', payload: { reason: 'no' } });
    const [rejected, next] = await Promise.all([
      h.client.sendAndWait(status('order-b', 'paid')),
      (async () => { await h.client.send({ ...status('order-b', 'shipped'), commandId: 'after-rejection' }); })(),
    ]);
    assert.equal(rejected.status, 'rejected');
    assert.ok(rejected.status === 'rejected' && rejected.code === 'domain' && /cancelled/.test(rejected.reason));
    assert.equal(next, undefined);
    await waitUntil(async () => (await h.client.getCommand('after-rejection'))?.state === 'failed', 'the later command ran');
    const record = await store.getProcessedCommand(rejected.commandId);
    assert.equal(record?.status, 'rejected');
    const job = await h.client.getCommand(rejected.commandId);
    assert.equal(job?.state, 'failed');
    assert.match(job?.failedReason ?? '', /^rejected \[domain\]: order order-b is cancelled/);
    assert.equal(await eventCount('order-b'), 2);
  });

  it('rejects a command whose expected version does not match, with the actual version', async () => {
    await h.client.sendAndWait(create('order-c'));
    const outcome = await h.client.sendAndWait(status('order-c', 'paid', { expectedVersion: 5 }));
    assert.ok(outcome.status === 'rejected' && outcome.code === 'concurrency' && outcome.actualVersion === 1);
    const ok = await h.client.sendAndWait(status('order-c', 'paid', { expectedVersion: 1 }));
    assert.ok(ok.status === 'accepted' && ok.version === 2);
  });

  it('runs a command id once: concurrent duplicates and later re-sends get the same outcome', async () => {
    const command = create('order-d', { commandId: 'create-d' });
    const [first, second] = await Promise.all([h.client.sendAndWait(command), h.client.sendAndWait(command)]);
    assert.deepEqual(first, second);
    assert.deepEqual(await h.client.sendAndWait(command), first);
    await h.client.send(command);
    assert.equal(await eventCount('order-d'), 1);
    assert.equal(await h.client.backlogSize(), 0);
  });

  it('keeps the first outcome when a finished command is sent again after Redis forgot it', async () => {
    const command = create('order-e', { commandId: 'create-e' });
    const first = await h.client.sendAndWait(command);
    await (await h.queue.getJob('create-e'))!.remove();
    assert.deepEqual(await h.client.sendAndWait(command), first); // from processed_commands
    await h.client.send(command); // queued again: the worker finds it processed and completes it with the first outcome
    await waitUntil(async () => (await h.client.getCommand('create-e'))?.state === 'completed', 're-sent command completed');
    assert.deepEqual((await h.client.getCommand('create-e'))?.outcome, first);
    assert.equal(await eventCount('order-e'), 1);
  });

  it('refuses bad commands at send time with typed errors, queueing nothing', async () => {
    const cases: Array<[object, new (...args: never[]) => Error]> = [
      [{ type: 'ShipOrder', aggregateId: 'x', payload: {} }, UnknownCommandTypeError],
      [{ type: 'CreateOrder', payload: { customerId: 'c', total: 1 } }, InvalidAggregateIdError],
      [{ type: 'CreateOrder', aggregateId: '', payload: { customerId: 'c', total: 1 } }, InvalidAggregateIdError],
      [{ type: 'CreateOrder', aggregateId: 'x', payload: { customerId: 'c', total: 'ten' } }, InvalidCommandPayloadError],
      [{ type: 'CancelOrder', aggregateId: 'x', payload: { reason: 'r'.repeat(501) } }, InvalidCommandPayloadError],
      [{ type: 'CreateOrder', aggregateId: 'x', payload: { customerId: 'c', total: 1 }, commandId: 'a:b' }, InvalidCommandIdError],
    ];
    const before = await h.client.backlogSize();
    for (const [command, type] of cases) {
      await assert.rejects(h.client.send(command as never), type);
      await assert.rejects(h.client.sendAndWait(command as never, { timeoutMs: 60_000 }), type);
      await assert.rejects(h.client.sendMany([create('fine-1'), command as never]), type);
    }
    // Valid by its schema, over the client's MAX_COMMAND_BYTES (100 here).
    await assert.rejects(
      h.client.send({ type: 'CreateOrder', aggregateId: 'x', commandId: 'too-big', payload: { customerId: 'c'.repeat(150), total: 1 } }),
      (e: unknown) => e instanceof PayloadTooLargeError && e.limit === 100,
    );
    assert.equal(await h.client.backlogSize(), before);
    assert.equal(await h.queue.getJob('too-big'), undefined);
    const counts = await h.queue.getJobCounts('wait', 'delayed', 'active');
    assert.deepEqual(counts, { wait: 0, delayed: 0, active: 0 });
  });

  it('fails a malformed job that reaches a worker with a clear reason, writing nothing', async () => {
    await h.queue.add('CreateOrder', { commandId: 'bad-payload', commandType: 'CreateOrder', aggregateId: 'order-m', aggregateType: 'Order', payload: { total: 'x' }, metadata: {} }, { jobId: 'bad-payload' });
    await h.queue.add('CreateOrder', { commandId: 'bad-aggregate', commandType: 'CreateOrder', aggregateId: '', payload: {} }, { jobId: 'bad-aggregate' });
    await h.queue.add('Nonsense', 'not an object', { jobId: 'bad-data' });
    for (const [id, reason] of [['bad-payload', /malformed command job: payload of CreateOrder is invalid: customerId.*total/], ['bad-aggregate', /malformed command job: aggregate id must not be empty/], ['bad-data', /malformed command job/]] as const) {
      await waitUntil(async () => (await h.queue.getJob(id))?.finishedOn !== undefined, `${id} failed`);
      const job = await h.queue.getJob(id);
      assert.match(job!.failedReason, reason);
      assert.equal(job!.attemptsMade, 1, 'not retried');
    }
    assert.equal(await eventCount('order-m'), 0);
    assert.equal(await store.getProcessedCommand('bad-payload'), undefined);
    // The aggregate of the malformed job is not blocked.
    assert.equal((await h.client.sendAndWait(create('order-m'))).status, 'accepted');
  });

  it('reloads and retries when something outside the queue wrote to the aggregate', async () => {
    await h.client.sendAndWait(create('order-f'));
    await store.append('order-f', [jsonEvent('OrderCanceled', { reason: 'by hand' })], { aggregateType: 'Order', expectedVersion: 1 });
    const outcome = await h.client.sendAndWait(status('order-f', 'paid'));
    assert.ok(outcome.status === 'rejected' && /cancelled/.test(outcome.reason), 'decided on the reloaded state');
    await h.client.sendAndWait({ type: 'OpenUserAccount', aggregateId: 'user-f', payload: { email: 'f@example.com' } });
    await store.append('user-f', [jsonEvent('UserAccountClosed', { reason: 'by hand' })], { aggregateType: 'UserAccount', expectedVersion: 1 });
    await store.append('user-f', [jsonEvent('UserAccountOpened', { email: 'g@example.com' })], { aggregateType: 'UserAccount', expectedVersion: 2 });
    const closed = await h.client.sendAndWait({ type: 'CloseUserAccount', aggregateId: 'user-f', payload: { reason: 'done' } });
    assert.ok(closed.status === 'accepted' && closed.version === 4);
  });

  it('does not record a rejection decided on a state that an outside write made stale', async () => {
    await h.client.sendAndWait(create('order-r'));
    await h.client.sendAndWait({ type: 'CancelOrder', aggregateId: 'order-r', payload: { reason: 'oops' } });
    // Re-opened from outside the queue: the worker's cached state (cancelled, version 2) is stale.
    await store.append('order-r', [jsonEvent('OrderCreated', { customerId: 'c-1', total: 10 })], { aggregateType: 'Order', expectedVersion: 2 });
    // As the gate records it when commands queue up behind each other: version 2 after the cancel,
    // so the worker trusts its cache without asking the store.
    await h.redis.hset(`${h.prefix}:${h.queueName}:gate:versions`, 'order-r', 2);
    const outcome = await h.client.sendAndWait(status('order-r', 'paid'));
    assert.ok(outcome.status === 'accepted' && outcome.version === 4, `decided on the current state, got ${JSON.stringify(outcome)}`);
    assert.ok(h.outcomes.some((o) => o.commandId === outcome.commandId && o.conflicts === 1));
  });

  it('rejects a command for an aggregate id that belongs to another aggregate type', async () => {
    await h.client.sendAndWait(create('shared-id'));
    const outcome = await h.client.sendAndWait({ type: 'OpenUserAccount', aggregateId: 'shared-id', payload: { email: 'x@example.com' } });
    assert.ok(outcome.status === 'rejected' && outcome.code === 'aggregate_type_mismatch');
  });

  it('writes snapshots and loads from them', async () => {
    await h.client.sendAndWait(create('order-s'));
    for (const value of ['paid', 'shipped', 'delivered', 'paid', 'shipped', 'delivered']) await h.client.sendAndWait(status('order-s', value));
    await waitUntil(async () => (await store.loadSnapshot('order-s'))?.version === 6, 'snapshot at version 6');
    const loaded = await loadAggregate(store, Order, 'order-s');
    assert.deepEqual(loaded, { aggregateType: 'Order', version: 7, state: { kind: 'open', customerId: 'c-1', total: 10, status: 'delivered', statusChanges: 6 } });
  });

  it('heals a lost gate advance (a worker died between one command and the next)', async () => {
    await h.client.sendAndWait(create('order-g'));
    await h.client.sendAndWait({ ...status('order-g', 'paid'), commandId: 'g-1' });
    // The state a crash right after completing g-1 leaves: g-1 finished but still heads its gate.
    await h.redis.lpush(`${h.prefix}:${h.queueName}:gate:q:order-g`, 'g-1');
    await h.redis.incr(`${h.prefix}:${h.queueName}:gate:size`);
    await h.redis.zadd(`${h.prefix}:${h.queueName}:gate:backlog`, Date.now(), 'order-g');
    await h.client.send({ ...status('order-g', 'shipped'), commandId: 'g-2' });
    assert.equal((await h.client.getCommand('g-2'))?.state, 'queued');
    await waitUntil(async () => (await h.client.getCommand('g-2'))?.state === 'completed', 'the reconciler moved the gate on');
    assert.deepEqual((await store.readStream('order-g')).map((e) => parseData(e)), [{ customerId: 'c-1', total: 10 }, { status: 'paid' }, { status: 'shipped' }]);
    assert.equal(await h.client.backlogSize(), 0);
  });

  it('gives up waiting with CommandTimeoutError; the command stays queued', async () => {
    await assert.rejects(h.client.sendAndWait(create('order-t', { commandId: 'timeout-1' }), { timeoutMs: 1 }), CommandTimeoutError);
    await waitUntil(async () => (await h.client.getCommand('timeout-1'))?.state === 'completed', 'ran anyway');
  });

  it('never reports a command completed without its outcome, even when it finishes while being read', async () => {
    const polls = Array.from({ length: 40 }, async (_, i) => {
      const { commandId } = await h.client.send(create(`order-poll-${i}`));
      // Read as fast as possible (no pause between reads), so that reads fall while it finishes.
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        const seen = await h.client.getCommand(commandId);
        if (seen?.state !== 'completed') continue;
        assert.equal(seen.outcome?.status, 'accepted', `${commandId} completed with outcome ${JSON.stringify(seen.outcome)}`);
        return;
      }
      assert.fail(`${commandId} did not complete within 30 s`);
    });
    await Promise.all(polls);
  });
});
