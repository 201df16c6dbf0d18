import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { EventStore } from '../../src/store/event-store.ts';
import { START, type CommitPosition, type RecordedEvent } from '../../src/store/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';

/** A reader that remembers only its last position, the way every subscription works. */
async function catchUp(store: EventStore, from: CommitPosition, seen: RecordedEvent[]): Promise<CommitPosition> {
  let position = from;
  for (;;) {
    const batch = await store.readAll({ after: position, limit: 50 });
    if (batch.length === 0) return position;
    seen.push(...batch);
    const last = batch.at(-1)!;
    position = { transactionId: last.transactionId, globalPosition: last.globalPosition };
  }
}

describe('EventStore.readAll', () => {
  let db: TestDatabase;
  let store: EventStore;

  before(async () => {
    db = await createTestDatabase();
    store = new EventStore(db.pool);
  });
  after(() => db.drop());

  it('holds back an event committed before an earlier-positioned one, and skips neither', async () => {
    const slow = new pg.Client({ connectionString: db.url });
    await slow.connect();
    try {
      // A takes the lower global position but commits last.
      await slow.query('BEGIN');
      const slowStore = new EventStore(slow);
      const a = await slowStore.append('late-a', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order' });
      const b = await store.append('late-b', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order' });
      assert.ok(a.events[0]!.globalPosition < b.events[0]!.globalPosition);

      const seen: RecordedEvent[] = [];
      const checkpoint = await catchUp(store, START, seen);
      assert.equal(seen.length, 0, 'B is not readable while A, which sorts before it, may still commit');

      await slow.query('COMMIT');
      // Other test files' transactions (the xmin horizon is cluster-wide) may hold us back a moment.
      let position = checkpoint;
      await waitUntil(async () => (position = await catchUp(store, position, seen)) && seen.length >= 2, 'both events readable');
      assert.deepEqual(seen.map((e) => e.aggregateId), ['late-a', 'late-b']);
    } finally {
      await slow.end();
    }
  });

  it('never skips an event when concurrent writers commit out of order', async () => {
    const writers = 12;
    const appendsPerWriter = 15;
    const seen: RecordedEvent[] = [];
    let position: CommitPosition = { transactionId: 0, globalPosition: 0 };
    let writing = true;

    // The reader polls the whole time the writers run, checkpointing after every batch.
    const reader = (async () => {
      while (writing) {
        position = await catchUp(store, position, seen);
        await sleep(2);
      }
    })();

    const writer = async (w: number) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        for (let i = 0; i < appendsPerWriter; i++) {
          await client.query('BEGIN');
          await new EventStore(client).append(`w${w}-${i}`, [jsonEvent('OrderCreated', { w, i })], { aggregateType: 'Order' });
          // Hold the transaction open for a random while, so later positions commit first.
          await sleep(Math.random() * 15);
          await client.query('COMMIT');
        }
      } finally {
        await client.end();
      }
    };
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    writing = false;
    await reader;
    const ours = () => seen.filter((e) => /^w\d+-\d+$/.test(e.aggregateId));
    await waitUntil(async () => {
      position = await catchUp(store, position, seen);
      return ours().length >= writers * appendsPerWriter;
    }, 'the reader catches up with every committed event', 60_000);

    assert.equal(ours().length, writers * appendsPerWriter, 'every committed event was read');
    assert.equal(new Set(ours().map((e) => e.eventId)).size, ours().length, 'and none twice');
    const inDb = await db.pool.query(`SELECT count(*) FROM events WHERE aggregate_id ~ '^w[0-9]+-[0-9]+$'`);
    assert.equal(Number(inDb.rows[0].count), ours().length);
    for (let i = 1; i < seen.length; i++) {
      const [p, c] = [seen[i - 1]!, seen[i]!];
      assert.ok(
        p.transactionId < c.transactionId || (p.transactionId === c.transactionId && p.globalPosition < c.globalPosition),
        'events come in commit order',
      );
    }
  });

  it('pages with a limit and resumes from the last pair', async () => {
    for (let i = 0; i < 5; i++) await store.append(`page-${i}`, [jsonEvent('OrderCreated', { i })], { aggregateType: 'Order' });
    const all = await store.readAll({ limit: 10_000 });
    const firstPage = await store.readAll({ limit: 2 });
    assert.equal(firstPage.length, 2);
    const last = firstPage[1]!;
    const rest = await store.readAll({ after: { transactionId: last.transactionId, globalPosition: last.globalPosition }, limit: 10_000 });
    // More events may have become readable meanwhile; they sort after everything readable before.
    const paged = [...firstPage, ...rest].map((e) => e.eventId);
    assert.deepEqual(paged.slice(0, all.length), all.map((e) => e.eventId));
  });
});
