import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

describe('the events table is immutable', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase();
    await new EventStore(db.pool).append('imm-1', [jsonEvent('OrderCreated', { total: 1 })], { aggregateType: 'Order' });
  });
  after(() => db.drop());

  const attempts = {
    UPDATE: `UPDATE events SET event_type = 'Forged'`,
    DELETE: 'DELETE FROM events',
    TRUNCATE: 'TRUNCATE events',
  };
  for (const [operation, sql] of Object.entries(attempts)) {
    it(`refuses ${operation}, even to the superuser`, async () => {
      await assert.rejects(db.pool.query(sql), new RegExp(`events are immutable: ${operation}`));
      const { rows } = await db.pool.query('SELECT event_type FROM events');
      assert.deepEqual(rows, [{ event_type: 'OrderCreated' }]);
    });
  }

  it('refuses even with triggers set to replica mode', async () => {
    const client = await db.pool.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await assert.rejects(client.query('DELETE FROM events'), /events are immutable/);
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }
    assert.equal(Number((await db.pool.query('SELECT count(*) FROM events')).rows[0].count), 1);
  });
});
