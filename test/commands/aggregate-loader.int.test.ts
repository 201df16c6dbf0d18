import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { AggregateDefinition } from '../../src/commands/domain/aggregate.ts';
import { AggregateLoader } from '../../src/commands/worker/aggregate-loader.ts';
import { loadAggregate } from '../../src/commands/worker/aggregate-repository.ts';
import { AggregateTypeMismatchError } from '../../src/errors.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

const Tally: AggregateDefinition<{ sum: number; count: number }> = {
  type: 'Tally',
  commands: { Add: z.object({ n: z.number() }) },
  initialState: () => ({ sum: 0, count: 0 }),
  decide: (_s, c) => [{ type: 'Added', data: { n: c.payload.n } }],
  evolve: (s, e) => ({ sum: s.sum + e.data.n, count: s.count + 1 }),
};

describe('AggregateLoader', () => {
  let db: TestDatabase;
  let store: EventStore;
  let queries: number;
  let loader: AggregateLoader;

  const add = async (aggregateId: string, from: number, to: number) => {
    const events = Array.from({ length: to - from + 1 }, (_, i) => jsonEvent('Added', { n: from + i }));
    await store.append(aggregateId, events, { aggregateType: 'Tally', expectedVersion: from === 1 ? 'no_stream' : from - 1 });
  };

  before(async () => {
    db = await createTestDatabase();
    store = new EventStore(db.pool);
    const counting = { query: (text: string, values?: unknown[]) => (queries++, db.pool.query(text, values)) };
    loader = new AggregateLoader(counting as never, store);
  });
  after(() => db.drop());

  it('loads many cold aggregates requested together with one statement', async () => {
    for (let i = 0; i < 30; i++) await add(`tally-${i}`, 1, i + 1);
    queries = 0;
    const loaded = await Promise.all(Array.from({ length: 40 }, (_, i) => loader.load(Tally, `tally-${i}`)));
    assert.equal(queries, 1);
    loaded.forEach((l, i) => {
      const n = i < 30 ? i + 1 : 0; // 30..39 do not exist yet
      assert.deepEqual(l, { aggregateType: 'Tally', version: n, state: { sum: (n * (n + 1)) / 2, count: n } });
    });
  });

  it('reads a stream longer than a page to its end, with and without a snapshot, like loadAggregate', async () => {
    await add('long', 1, 1_001);
    await add('long', 1_002, 2_050);
    const expected = { aggregateType: 'Tally', version: 2_050, state: { sum: (2_050 * 2_051) / 2, count: 2_050 } };
    assert.deepEqual(await loader.load(Tally, 'long'), expected);
    assert.deepEqual(await loadAggregate(store, Tally, 'long'), expected);
    await store.saveSnapshot({ aggregateId: 'long', aggregateType: 'Tally', version: 1_000, state: Buffer.from(JSON.stringify({ sum: 500_500, count: 1_000 })), contentType: 'application/json' });
    assert.deepEqual(await loader.load(Tally, 'long'), expected);
  });

  it('refuses a stream of another type for that aggregate only', async () => {
    await store.append('not-a-tally', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'no_stream' });
    const [other, fine] = await Promise.allSettled([loader.load(Tally, 'not-a-tally'), loader.load(Tally, 'tally-3')]);
    assert.ok(other.status === 'rejected' && other.reason instanceof AggregateTypeMismatchError);
    assert.ok(fine.status === 'fulfilled' && fine.value.version === 4);
  });
});
