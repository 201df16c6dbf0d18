import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

describe('snapshots', () => {
  let db: TestDatabase;
  let store: EventStore;
  before(async () => {
    db = await createTestDatabase();
    store = new EventStore(db.pool);
    const events = Array.from({ length: 10 }, (_, i) => jsonEvent('OrderStatusUpdated', { i }));
    await store.append('snap-1', events, { aggregateType: 'Order', expectedVersion: 'no_stream' });
  });
  after(() => db.drop());

  const snapshot = (version: number, state: string, aggregateId = 'snap-1', aggregateType = 'Order') => ({
    aggregateId, aggregateType, version, state: Buffer.from(state), contentType: 'application/json',
  });

  it('loads nothing for an aggregate without one', async () => {
    assert.equal(await store.loadSnapshot('snap-none'), undefined);
  });

  it('keeps the latest snapshot; an older one never replaces a newer', async () => {
    assert.equal(await store.saveSnapshot(snapshot(5, '{"v":5}')), true);
    assert.equal(await store.saveSnapshot(snapshot(9, '{"v":9}')), true);
    assert.equal(await store.saveSnapshot(snapshot(7, '{"v":7}')), false);
    const loaded = await store.loadSnapshot('snap-1');
    assert.equal(loaded?.version, 9);
    assert.equal(Buffer.from(loaded!.state).toString(), '{"v":9}');
  });

  it('keeps no snapshot at a version the stream has not reached, of another type, or of no stream', async () => {
    assert.equal(await store.saveSnapshot(snapshot(11, '{"v":11}')), false);
    assert.equal(await store.saveSnapshot(snapshot(10, '{"v":10}', 'snap-1', 'UserAccount')), false);
    assert.equal(await store.saveSnapshot(snapshot(1, '{"v":1}', 'snap-none')), false);
    assert.equal((await store.loadSnapshot('snap-1'))?.version, 9);
    assert.equal(await store.loadSnapshot('snap-none'), undefined);
    assert.equal(await store.saveSnapshot(snapshot(10, '{"v":10}')), true, 'the head itself is a version the stream reached');
  });
});
