import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ConcurrencyError } from '../../src/errors.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createPool } from '../../src/store/pool.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

/**
 * The application role cannot forge what only the system sets (sql/050_store_write_functions.sql):
 * it writes events, stream heads, snapshots and command outcomes only through the store's
 * functions, which stamp transaction ids, positions and times and keep streams and events in step.
 */
describe('history the application role cannot forge', () => {
  let db: TestDatabase;
  let app: pg.Pool;
  let store: EventStore;

  before(async () => {
    db = await createTestDatabase();
    app = createPool(db.appUrl, { max: 3 });
    store = new EventStore(app);
    await store.append('forge-1', [jsonEvent('OrderCreated', { total: 1 })], { aggregateType: 'Order', expectedVersion: 'no_stream', command: { commandId: 'cmd-1', commandType: 'CreateOrder' } });
    await store.saveSnapshot({ aggregateId: 'forge-1', aggregateType: 'Order', version: 1, state: Buffer.from('{}'), contentType: 'application/json' });
  });
  after(async () => {
    await app.end();
    await db.drop();
  });

  const event = (columns: string, values: string, overriding = '') =>
    `INSERT INTO events (event_id, aggregate_id, aggregate_type, event_type, event_version, event_data, content_type, occurred_at${columns})
     ${overriding} VALUES (gen_random_uuid(), 'forge-1', 'Order', 'OrderCancelled', 2, '\\x7b7d', 'application/json', now()${values})`;

  const forgeries: Record<string, [string, RegExp]> = {
    'an event with a transaction id of its choosing': [event(', transaction_id', `, '3'::xid8`), /permission denied for table events/],
    'an event at a global position of its choosing': [event(', global_position', ', 1000000', 'OVERRIDING SYSTEM VALUE'), /permission denied for table events/],
    'an event created in the past': [event(', created_at', `, now() - interval '400 days'`), /permission denied for table events/],
    'an event at version 50 that never touches its stream': [event('', '').replace(", 2, '", ", 50, '"), /permission denied for table events/],
    'moving a stream head': [`UPDATE streams SET version = 50 WHERE aggregate_id = 'forge-1'`, /permission denied for table streams/],
    'creating a stream head': [`INSERT INTO streams (aggregate_id, aggregate_type, version) VALUES ('forge-2', 'Order', 50)`, /permission denied for table streams/],
    'planting a snapshot': [
      `INSERT INTO snapshots (aggregate_id, aggregate_type, version, state, content_type) VALUES ('forge-2', 'Order', 50, '\\x7b7d', 'application/json')`,
      /permission denied for table snapshots/,
    ],
    'rewriting a snapshot': [`UPDATE snapshots SET version = 50, state = '\\x7b7d' WHERE aggregate_id = 'forge-1'`, /permission denied for table snapshots/],
    'recording the outcome of a command that has not run yet': [
      `INSERT INTO processed_commands (command_id, command_type, aggregate_id, status, reason_code, reason)
       VALUES ('future-cmd', 'CancelOrder', 'forge-1', 'rejected', 'forged', 'never ran')`,
      /permission denied for table processed_commands/,
    ],
    'taking global positions': [`SELECT nextval(pg_get_serial_sequence('events', 'global_position'))`, /permission denied for sequence/],
    'marking a prune it did not do': [`INSERT INTO command_retention (pruned_before) VALUES (now())`, /permission denied for table command_retention/],
  };
  for (const [what, [sql, error]] of Object.entries(forgeries)) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(app.query(sql), error);
    });
  }

  // The append function takes the caller's bookkeeping of commands; it must not be able to lie.
  const call = (commands: { lastIdx: number; eventIds: string }) => app.query(
    `SELECT * FROM eventstore_append(ARRAY['forge-3'], ARRAY['Order'], ARRAY[0::bigint],
       ARRAY['forge-3'], ARRAY['00000000-0000-4000-8000-000000000001'::uuid], ARRAY['OrderCreated'], ARRAY['\\x7b7d'::bytea],
       ARRAY['application/json'], ARRAY['{}'::jsonb], ARRAY[now()],
       ARRAY['forge-3'], ARRAY['cmd-3'], ARRAY['CreateOrder'], ARRAY[$1::int], ARRAY[$2::text])`,
    [commands.lastIdx, commands.eventIds],
  );
  it('refuses an append whose command claims a version its events do not reach', async () => {
    await assert.rejects(call({ lastIdx: 50, eventIds: '00000000-0000-4000-8000-000000000001' }), /each command must list a consecutive run/);
  });
  it("refuses an append whose command lists events that are not its own", async () => {
    const [other] = await store.readStream('forge-1');
    await assert.rejects(call({ lastIdx: 1, eventIds: other!.eventId }), /each command must list a consecutive run/);
    await assert.rejects(call({ lastIdx: 1, eventIds: '' }), /each command must list a consecutive run/);
    assert.equal(await store.streamVersion('forge-3'), 0, 'nothing of a refused append is written');
  });

  it('cannot shadow the store tables with temporary tables of its own', async () => {
    const client = await app.connect();
    try {
      await client.query('CREATE TEMP TABLE streams (aggregate_id text PRIMARY KEY, aggregate_type text, version bigint, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now())');
      await client.query(`INSERT INTO streams VALUES ('forge-4', 'Order', 49)`);
      const result = await new EventStore(client).append('forge-4', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'any' });
      assert.equal(result.nextExpectedVersion, 1);
    } finally {
      client.release(true);
    }
    assert.equal(await store.streamVersion('forge-4'), 1);
  });

  it("stamps each event with the caller's transaction and its start time", async () => {
    const client = await app.connect();
    try {
      await client.query('BEGIN');
      const { rows: [tx] } = await client.query('SELECT pg_current_xact_id()::text AS id, now() AS at');
      await new EventStore(client).append('forge-5', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', expectedVersion: 'no_stream' });
      await client.query('COMMIT');
      const { rows: [row] } = await db.pool.query(`SELECT transaction_id::text AS id, created_at FROM events WHERE aggregate_id = 'forge-5'`);
      assert.deepEqual(row, { id: tx.id, created_at: tx.at });
    } finally {
      client.release();
    }
  });

  it('still does what the services do: batches with a loser, rejections, no-change, snapshots', async () => {
    const batch = await store.appendMany([
      { aggregateId: 'forge-1', aggregateType: 'Order', expectedVersion: 7, events: [jsonEvent('OrderStatusUpdated', {})], command: { commandId: 'cmd-lost', commandType: 'UpdateOrderStatus' } },
      { aggregateId: 'forge-6', aggregateType: 'Order', expectedVersion: 'no_stream', events: [jsonEvent('OrderCreated', {}), jsonEvent('OrderStatusUpdated', {})],
        commands: [{ commandId: 'cmd-6a', commandType: 'CreateOrder', eventCount: 1 }, { commandId: 'cmd-6b', commandType: 'UpdateOrderStatus', eventCount: 1 }] },
    ]);
    assert.deepEqual(batch.committed.map((c) => [c.aggregateId, c.nextExpectedVersion]), [['forge-6', 2]]);
    assert.ok(batch.rejected[0] instanceof ConcurrencyError);
    assert.equal(await store.getProcessedCommand('cmd-lost'), undefined);
    const [a, b] = await Promise.all([store.getProcessedCommand('cmd-6a'), store.getProcessedCommand('cmd-6b')]);
    assert.ok(a?.status === 'accepted' && a.version === 1 && b?.status === 'accepted' && b.version === 2);

    assert.equal((await store.recordRejection({ commandId: 'cmd-r', commandType: 'CancelOrder', aggregateId: 'forge-6', code: 'domain', reason: 'no' })).status, 'rejected');
    const noChange = await store.recordNoChange({ commandId: 'cmd-n', commandType: 'Touch', aggregateId: 'forge-6', version: 2 });
    assert.ok(noChange.status === 'accepted' && noChange.version === 2 && noChange.eventIds.length === 0);
    assert.equal(await store.saveSnapshot({ aggregateId: 'forge-6', aggregateType: 'Order', version: 2, state: Buffer.from('{}'), contentType: 'application/json' }), true);
  });

  it('records no-change only at the stream head: a stale decision is a ConcurrencyError and records nothing', async () => {
    await assert.rejects(store.recordNoChange({ commandId: 'cmd-stale', commandType: 'Touch', aggregateId: 'forge-1', version: 0 }), (error) => {
      assert.ok(error instanceof ConcurrencyError);
      assert.equal(error.actualVersion, 1);
      return true;
    });
    assert.equal(await store.getProcessedCommand('cmd-stale'), undefined);
    // A command whose outcome is recorded keeps it, whatever the head says now.
    const again = await store.recordNoChange({ commandId: 'cmd-1', commandType: 'CreateOrder', aggregateId: 'forge-1', version: 0 });
    assert.equal(again.status, 'accepted');
  });
});
