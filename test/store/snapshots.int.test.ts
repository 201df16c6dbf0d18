import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('snapshots', () => {
  let db: TestDatabase;
  let store: EventStore;
  before(async () => {
    db = await createTestDatabase();
    store = new EventStore(db.pool);
  });
  after(() => db.drop());

  const snapshot = (version: number, state: string) => ({
    aggregateId: 'snap-1', aggregateType: 'Order', version, state: Buffer.from(state), contentType: 'application/json',
  });

  it('loads nothing for an aggregate without one', async () => {
    assert.equal(await store.loadSnapshot('snap-none'), undefined);
  });

  it('keeps the latest snapshot; an older one never replaces a newer', async () => {
    await store.saveSnapshot(snapshot(5, '{"v":5}'));
    await store.saveSnapshot(snapshot(9, '{"v":9}'));
    await store.saveSnapshot(snapshot(7, '{"v":7}'));
    const loaded = await store.loadSnapshot('snap-1');
    assert.equal(loaded?.version, 9);
    assert.equal(Buffer.from(loaded!.state).toString(), '{"v":9}');
  });
});
