import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { EventStore } from '../../src/store/event-store.ts';
import { createPool } from '../../src/store/pool.ts';
import { APP_ROLE, createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';

describe('the application role (sql/040_application_role.sql)', () => {
  let db: TestDatabase;
  let app: pg.Pool;
  let store: EventStore;

  before(async () => {
    db = await createTestDatabase();
    app = createPool(db.appUrl, { max: 2 });
    store = new EventStore(app);
  });
  after(async () => {
    await app.end();
    await db.drop();
  });

  it('is who the services connect as, and is no superuser', async () => {
    const { rows } = await app.query(
      'SELECT current_user AS user, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    assert.deepEqual(rows[0], { user: APP_ROLE, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false });
  });

  it('does everything the store does: append, batches with commands, reads, snapshots, rejections, checkpoints', async () => {
    const first = await store.append('role-1', [jsonEvent('OrderCreated', { total: 1 })], { aggregateType: 'Order', expectedVersion: 'no_stream' });
    const batch = await store.appendMany([
      { aggregateId: 'role-1', aggregateType: 'Order', expectedVersion: first.nextExpectedVersion, events: [jsonEvent('OrderStatusUpdated', { status: 'paid' })], command: { commandId: 'cmd-1', commandType: 'UpdateOrderStatus' } },
      { aggregateId: 'role-2', aggregateType: 'Order', expectedVersion: 'no_stream', events: [jsonEvent('OrderCreated', { total: 2 })] },
    ]);
    assert.equal(batch.committed.length, 2);
    assert.equal((await store.readStream('role-1')).length, 2);
    assert.equal(await store.streamVersion('role-1'), 2);
    assert.equal((await store.getProcessedCommand('cmd-1'))?.status, 'accepted');
    assert.equal((await store.recordRejection({ commandId: 'cmd-2', commandType: 'CancelOrder', aggregateId: 'role-1', code: 'domain', reason: 'no' })).status, 'rejected');
    await store.saveSnapshot({ aggregateId: 'role-1', aggregateType: 'Order', version: 2, state: Buffer.from('{}'), contentType: 'application/json' });
    assert.equal((await store.loadSnapshot('role-1'))?.version, 2);
    // readAll follows the xmin rule: a transaction open elsewhere in the shared cluster holds fresh events back for a moment.
    let all: Awaited<ReturnType<EventStore['readAll']>> = [];
    await waitUntil(async () => (all = await store.readAll({ limit: 10 })).length === 3, 'the events to pass the xmin horizon', 60_000);
    await app.query(
      `INSERT INTO subscription_checkpoints (subscription, transaction_id, global_position) VALUES ('p', $1, $2)
       ON CONFLICT (subscription) DO UPDATE SET transaction_id = excluded.transaction_id, global_position = excluded.global_position`,
      [all[2]!.transactionId, all[2]!.globalPosition],
    );
    await app.query(`DELETE FROM subscription_checkpoints WHERE subscription = 'p'`);
  });

  // Each is refused by the privilege system itself: the triggers are a second wall behind it.
  const refused: Record<string, [string, RegExp]> = {
    'UPDATE events': [`UPDATE events SET event_type = 'Forged'`, /permission denied for table events/],
    'DELETE events': ['DELETE FROM events', /permission denied for table events/],
    'TRUNCATE events': ['TRUNCATE events', /permission denied for table events/],
    'disabling the immutability trigger': ['ALTER TABLE events DISABLE TRIGGER events_no_update_delete', /must be owner of table events/],
    'dropping the immutability trigger': ['DROP TRIGGER events_no_truncate ON events', /must be owner of (table|relation) events/],
    'replacing the trigger function': [
      `CREATE OR REPLACE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`,
      /permission denied for schema public|must be owner of function/,
    ],
    'switching triggers off for the session': ['SET session_replication_role = replica', /permission denied to set parameter/],
    'dropping the events table': ['DROP TABLE events', /must be owner of table events/],
    'creating tables': ['CREATE TABLE intruder (id int)', /permission denied for schema public/],
    'rewriting a command outcome': [`UPDATE processed_commands SET status = 'rejected'`, /permission denied for table processed_commands/],
    'forgetting a command outcome': ['DELETE FROM processed_commands', /permission denied for table processed_commands/],
    'removing a stream head': ['DELETE FROM streams', /permission denied for table streams/],
    'touching the migration history': ['SELECT * FROM schema_migrations', /permission denied for table schema_migrations/],
  };
  for (const [what, [sql, error]] of Object.entries(refused)) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(app.query(sql), error);
    });
  }

  it('left every event as written', async () => {
    const { rows } = await db.pool.query('SELECT aggregate_id, event_type, event_version FROM events ORDER BY global_position');
    assert.deepEqual(rows.map((r) => `${r.aggregate_id}:${r.event_version}:${r.event_type}`), [
      'role-1:1:OrderCreated',
      'role-1:2:OrderStatusUpdated',
      'role-2:1:OrderCreated',
    ]);
  });

  it('gets read and write access to tables later migrations create, by default privileges', async () => {
    await db.pool.query('CREATE TABLE later_view (id text PRIMARY KEY, n int)');
    await app.query(`INSERT INTO later_view VALUES ('a', 1)`);
    await app.query(`UPDATE later_view SET n = 2`);
    await app.query(`DELETE FROM later_view`);
    await assert.rejects(app.query('DROP TABLE later_view'), /must be owner/);
  });
});
