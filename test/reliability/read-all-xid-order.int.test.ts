import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { EventStore } from '../../src/store/event-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import { START, type CommitPosition } from '../../src/store/types.ts';
import { jsonEvent } from '../support/events.ts';
import { TempPostgres } from './support/servers.ts';

/**
 * Found by the chaos run: readAll must sort by transaction id as a NUMBER. Sorted as text, '1000'
 * comes before '999', so a page read across the moment ids gain a digit comes out of commit order,
 * and the next page (after the last one returned) skips the rest for good. A fresh cluster of our
 * own starts near transaction id 730, so the test can walk its ids across 1000.
 */
describe('readAll across transaction ids gaining a digit', () => {
  let server: TempPostgres;
  let pool: pg.Pool;

  before(async () => {
    server = await TempPostgres.start();
    await migrate(server.url('xid'));
    pool = new pg.Pool({ connectionString: server.url('xid'), max: 2 });
  });
  after(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('returns every event once, in commit order, page after page', async () => {
    const store = new EventStore(pool);
    const { rows } = await pool.query('SELECT pg_current_xact_id()::text::bigint AS xid');
    for (let xid = Number(rows[0].xid); xid < 990; xid++) await pool.query('SELECT pg_current_xact_id()'); // one id each
    const written: number[] = [];
    for (let i = 0; i < 20; i++) {
      const result = await store.append(`o-${i}`, [jsonEvent('OrderCreated', { i })], { aggregateType: 'Order' });
      written.push(result.events[0]!.globalPosition);
    }
    const { rows: ids } = await pool.query('SELECT min(transaction_id)::text AS lo, max(transaction_id)::text AS hi FROM events');
    assert.ok(Number(ids[0].lo) < 1000 && Number(ids[0].hi) >= 1000, `ids ${ids[0].lo}..${ids[0].hi} cross 1000`);

    const read: number[] = [];
    let position: CommitPosition = START;
    for (;;) {
      const page = await store.readAll({ after: position, limit: 3 });
      if (page.length === 0) break;
      read.push(...page.map((e) => e.globalPosition));
      position = page[page.length - 1]!;
    }
    assert.deepEqual(read, written);
  });
});
