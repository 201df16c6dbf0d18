import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPool } from '../../src/store/pool.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';

describe('createPool', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('survives the connection of a checked-out client dying (PostgreSQL restarting mid-transaction)', async () => {
    const errors: Error[] = [];
    const pool = createPool(db.url, { max: 1, onError: (error) => errors.push(error) });
    try {
      const client = await pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
      // Without a listener on the checked-out client, this 'error' event would kill the process.
      await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await waitUntil(() => errors.length > 0, 'the broken connection to be reported');
      await assert.rejects(client.query('SELECT 1'));
      client.release(true);
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the pool connects anew');
    } finally {
      await pool.end();
    }
  });
});
