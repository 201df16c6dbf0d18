import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AggregateTypeMismatchError,
  ConcurrencyError,
  DuplicateCommandError,
  EmptyEventListError,
  InvalidAggregateIdError,
  InvalidBatchError,
  InvalidEventError,
  InvalidExpectedVersionError,
  PayloadTooLargeError,
} from '../../src/errors.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent, parseData } from '../support/events.ts';

describe('EventStore.append', () => {
  let db: TestDatabase;
  let store: EventStore;
  const eventCount = async () => Number((await db.pool.query('SELECT count(*) FROM events')).rows[0].count);

  before(async () => {
    db = await createTestDatabase();
    store = new EventStore(db.pool, { maxEventBytes: 1024 });
  });
  after(() => db.drop());

  it('appends to a new aggregate and reads the events back in version order', async () => {
    const result = await store.append('order-1', [jsonEvent('OrderCreated', { total: 5 }), jsonEvent('OrderStatusUpdated', { status: 'paid' })], {
      aggregateType: 'Order',
      expectedVersion: 'no_stream',
    });
    assert.equal(result.nextExpectedVersion, 2);
    assert.deepEqual(result.events.map((e) => e.eventVersion), [1, 2]);

    const events = await store.readStream('order-1');
    assert.deepEqual(events.map((e) => [e.eventType, e.eventVersion]), [['OrderCreated', 1], ['OrderStatusUpdated', 2]]);
    assert.deepEqual(parseData(events[0]!), { total: 5 });
    assert.equal(events[0]!.aggregateType, 'Order');
    assert.equal(events[0]!.eventId, result.events[0]!.eventId);
    assert.deepEqual((await store.readStream('order-1', { fromVersion: 2 })).map((e) => e.eventVersion), [2]);
    assert.equal(await store.streamVersion('order-1'), 2);
  });

  it('appends at the exact expected version and refuses a stale one with both versions', async () => {
    await store.append('order-2', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'no_stream' });
    await store.append('order-2', [jsonEvent('OrderStatusUpdated', { status: 'a' })], { aggregateType: 'Order', expectedVersion: 1 });

    const error = await store
      .append('order-2', [jsonEvent('OrderStatusUpdated', { status: 'b' })], { aggregateType: 'Order', expectedVersion: 1 })
      .catch((e: unknown) => e);
    assert.ok(error instanceof ConcurrencyError);
    assert.equal(error.expectedVersion, 1);
    assert.equal(error.actualVersion, 2);
    assert.equal(error.aggregateId, 'order-2');

    const noStream = await store
      .append('order-2', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'no_stream' })
      .catch((e: unknown) => e);
    assert.ok(noStream instanceof ConcurrencyError);
    assert.equal(noStream.actualVersion, 2);

    const ahead = await store.append('order-new', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 3 }).catch((e: unknown) => e);
    assert.ok(ahead instanceof ConcurrencyError);
    assert.equal(ahead.actualVersion, 0);
    assert.equal(await store.streamVersion('order-2'), 2);
    assert.equal(await store.streamVersion('order-new'), 0);
  });

  it("appends with 'any' whatever the version", async () => {
    await store.append('acc-any', [jsonEvent('UserAccountOpened', {})], { aggregateType: 'UserAccount' });
    const result = await store.append('acc-any', [jsonEvent('UserAccountClosed', {})], { aggregateType: 'UserAccount', expectedVersion: 'any' });
    assert.equal(result.nextExpectedVersion, 2);
  });

  it('lets exactly one of many concurrent writers at the same version win', async () => {
    await store.append('race-1', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'no_stream' });
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.append('race-1', [jsonEvent('OrderStatusUpdated', { i }), jsonEvent('OrderStatusUpdated', { i })], {
          aggregateType: 'Order',
          expectedVersion: 1,
        }),
      ),
    );
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a) => a.status === 'rejected');
    assert.equal(won.length, 1);
    assert.ok(lost.every((a) => a.reason instanceof ConcurrencyError));
    assert.deepEqual((await store.readStream('race-1')).map((e) => e.eventVersion), [1, 2, 3]);
  });

  it('commits the winners of a batch and reports the losers, none half-written', async () => {
    await store.append('batch-b', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'no_stream' });
    const before = await eventCount();
    const result = await store.appendMany([
      { aggregateId: 'batch-a', aggregateType: 'Order', expectedVersion: 'no_stream', events: [jsonEvent('OrderCreated', {})] },
      // Loser: batch-b is at version 1, not 5. Its three events must all stay out.
      { aggregateId: 'batch-b', aggregateType: 'Order', expectedVersion: 5, events: [jsonEvent('OrderStatusUpdated', {}), jsonEvent('OrderStatusUpdated', {}), jsonEvent('OrderCanceled', {})] },
      { aggregateId: 'batch-c', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {}), jsonEvent('OrderCanceled', {})] },
    ]);
    assert.deepEqual(result.committed.map((c) => [c.aggregateId, c.nextExpectedVersion]), [['batch-a', 1], ['batch-c', 2]]);
    assert.equal(result.rejected.length, 1);
    const [loser] = result.rejected;
    assert.ok(loser instanceof ConcurrencyError);
    assert.equal(loser.aggregateId, 'batch-b');
    assert.equal(loser.actualVersion, 1);
    assert.equal(await eventCount(), before + 3);
    assert.equal(await store.streamVersion('batch-b'), 1);
  });

  it('refuses to append to an aggregate under another type', async () => {
    await store.append('typed-1', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order' });
    await assert.rejects(
      store.append('typed-1', [jsonEvent('UserAccountOpened', {})], { aggregateType: 'UserAccount' }),
      (e: unknown) => e instanceof AggregateTypeMismatchError && e.actualType === 'Order',
    );
  });

  it('records the command with its events, and refuses the same command id again', async () => {
    const command = { commandId: 'cmd-once', commandType: 'CreateOrder' };
    const first = await store.append('cmd-agg', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'any', command });
    const processed = await store.getProcessedCommand('cmd-once');
    assert.equal(processed?.status, 'accepted');
    assert.ok(processed?.status === 'accepted');
    assert.equal(processed.version, 1);
    assert.deepEqual(processed.eventIds, first.events.map((e) => e.eventId));

    await assert.rejects(
      store.append('cmd-agg', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'any', command }),
      DuplicateCommandError,
    );
    assert.equal(await store.streamVersion('cmd-agg'), 1);
  });

  it('records several commands of one append, each with its own version and events', async () => {
    const events = [jsonEvent('OrderCreated', {}), jsonEvent('OrderStatusUpdated', { status: 'paid' }), jsonEvent('OrderStatusUpdated', { status: 'shipped' }), jsonEvent('OrderCanceled', {})];
    const { committed, rejected } = await store.appendMany([
      { aggregateId: 'multi-1', aggregateType: 'Order', expectedVersion: 'no_stream', events, commands: [
        { commandId: 'multi-create', commandType: 'CreateOrder', eventCount: 1 },
        { commandId: 'multi-pay-ship', commandType: 'UpdateOrderStatus', eventCount: 2 },
        { commandId: 'multi-cancel', commandType: 'CancelOrder', eventCount: 1 },
      ] },
      { aggregateId: 'multi-2', aggregateType: 'Order', expectedVersion: 'no_stream', events: [jsonEvent('OrderCreated', {})], command: { commandId: 'multi-other', commandType: 'CreateOrder' } },
    ]);
    assert.deepEqual(rejected, []);
    const ids = committed[0]!.events.map((e) => e.eventId);
    const recorded = await Promise.all(['multi-create', 'multi-pay-ship', 'multi-cancel', 'multi-other'].map((id) => store.getProcessedCommand(id)));
    assert.deepEqual(
      recorded.map((r) => r?.status === 'accepted' && [r.aggregateId, r.version, r.eventIds]),
      [['multi-1', 1, ids.slice(0, 1)], ['multi-1', 3, ids.slice(1, 3)], ['multi-1', 4, ids.slice(3)], ['multi-2', 1, committed[1]!.events.map((e) => e.eventId)]],
    );
  });

  it('writes nothing of a several-command append when any one of its commands was processed before', async () => {
    await store.append('multi-3', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', command: { commandId: 'multi-3-create', commandType: 'CreateOrder' } });
    const before = await eventCount();
    const { committed, rejected } = await store.appendMany([
      { aggregateId: 'multi-3', aggregateType: 'Order', expectedVersion: 1, events: [jsonEvent('OrderStatusUpdated', {}), jsonEvent('OrderCanceled', {})], commands: [
        { commandId: 'multi-3-new', commandType: 'UpdateOrderStatus', eventCount: 1 },
        { commandId: 'multi-3-create', commandType: 'CreateOrder', eventCount: 1 },
      ] },
    ]);
    assert.deepEqual(committed, []);
    assert.ok(rejected[0] instanceof DuplicateCommandError);
    assert.equal(rejected[0].commandId, 'multi-3-create');
    assert.equal(await eventCount(), before);
    assert.equal(await store.getProcessedCommand('multi-3-new'), undefined);
    assert.equal(await store.streamVersion('multi-3'), 1);
  });

  it('records a rejection once; the first outcome stands', async () => {
    const ref = { commandId: 'cmd-rej', commandType: 'CancelOrder', aggregateId: 'x-1' };
    const first = await store.recordRejection({ ...ref, code: 'domain', reason: 'already cancelled' });
    const second = await store.recordRejection({ ...ref, code: 'domain', reason: 'something else' });
    assert.ok(first.status === 'rejected' && second.status === 'rejected');
    assert.equal(second.reason, 'already cancelled');
  });

  describe('bad input: a typed error, nothing written', () => {
    const order = { aggregateType: 'Order' };
    const cases: Array<[string, () => Promise<unknown>, new (...args: any[]) => Error]> = [
      ['empty aggregate id', () => store.append('', [jsonEvent('OrderCreated', {})], order), InvalidAggregateIdError],
      ['blank aggregate id', () => store.append('   ', [jsonEvent('OrderCreated', {})], order), InvalidAggregateIdError],
      ['over-long aggregate id', () => store.append('x'.repeat(201), [jsonEvent('OrderCreated', {})], order), InvalidAggregateIdError],
      ['aggregate id with a control character', () => store.append('a\u0000b', [jsonEvent('OrderCreated', {})], order), InvalidAggregateIdError],
      ['non-string aggregate id', () => store.append(42 as unknown as string, [jsonEvent('OrderCreated', {})], order), InvalidAggregateIdError],
      ['unknown expected version', () => store.append('bad-1', [jsonEvent('OrderCreated', {})], { ...order, expectedVersion: 'latest' as never }), InvalidExpectedVersionError],
      ['negative expected version', () => store.append('bad-1', [jsonEvent('OrderCreated', {})], { ...order, expectedVersion: -3 }), InvalidExpectedVersionError],
      ['fractional expected version', () => store.append('bad-1', [jsonEvent('OrderCreated', {})], { ...order, expectedVersion: 1.5 }), InvalidExpectedVersionError],
      ['empty event list', () => store.append('bad-1', [], order), EmptyEventListError],
      ['payload over the limit', () => store.append('bad-1', [jsonEvent('OrderCreated', { big: 'x'.repeat(2000) })], order), PayloadTooLargeError],
      ['event type that is no name', () => store.append('bad-1', [jsonEvent("Order'; DROP TABLE events;--", {})], order), InvalidEventError],
      ['data that is not bytes', () => store.append('bad-1', [{ eventType: 'OrderCreated', data: 'text' as never }], order), InvalidEventError],
      ['event id that is not a UUID', () => store.append('bad-1', [jsonEvent('OrderCreated', {}, { eventId: 'nope' })], order), InvalidEventError],
      ['bad aggregate type', () => store.append('bad-1', [jsonEvent('OrderCreated', {})], { aggregateType: '' }), InvalidEventError],
      ['same aggregate twice in a batch', () => store.appendMany([
        { aggregateId: 'bad-1', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})] },
        { aggregateId: 'bad-1', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})] },
      ]), InvalidBatchError],
      ['both command and commands', () => store.appendMany([
        { aggregateId: 'bad-1', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})],
          command: { commandId: 'c-1', commandType: 'CreateOrder' }, commands: [{ commandId: 'c-2', commandType: 'CreateOrder', eventCount: 1 }] },
      ]), InvalidBatchError],
      ['commands that do not account for every event', () => store.appendMany([
        { aggregateId: 'bad-1', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {}), jsonEvent('OrderCanceled', {})],
          commands: [{ commandId: 'c-1', commandType: 'CreateOrder', eventCount: 1 }] },
      ]), InvalidBatchError],
      ['a command with no events', () => store.appendMany([
        { aggregateId: 'bad-1', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})],
          commands: [{ commandId: 'c-1', commandType: 'CreateOrder', eventCount: 1 }, { commandId: 'c-2', commandType: 'CancelOrder', eventCount: 0 }] },
      ]), InvalidBatchError],
      ['a command without an id', () => store.appendMany([
        { aggregateId: 'bad-1', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})], commands: [{ commandId: '', commandType: 'CreateOrder', eventCount: 1 }] },
      ]), InvalidBatchError],
      ['the same command id twice in a batch', () => store.appendMany([
        { aggregateId: 'bad-2', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})], command: { commandId: 'twice', commandType: 'CreateOrder' } },
        { aggregateId: 'bad-3', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})], command: { commandId: 'twice', commandType: 'CreateOrder' } },
      ]), InvalidBatchError],
      ['one bad request refuses the whole batch', () => store.appendMany([
        { aggregateId: 'bad-2', aggregateType: 'Order', expectedVersion: 'any', events: [jsonEvent('OrderCreated', {})] },
        { aggregateId: 'bad-3', aggregateType: 'Order', expectedVersion: 'any', events: [] },
      ]), EmptyEventListError],
    ];
    for (const [name, call, errorClass] of cases) {
      it(name, async () => {
        const before = await eventCount();
        const error = await call().then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
        assert.ok((error as Error).message.length > 10, 'the message says what is wrong');
        assert.equal(await eventCount(), before);
      });
    }
  });
});
