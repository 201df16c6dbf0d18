import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EventStore } from '../../src/store/event-store.ts';
import { pruneProcessedCommands } from '../../src/store/retention.ts';
import { verify } from '../../src/verify/verify.ts';
import type { VerifyReport } from '../../src/verify/report.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

/**
 * Each test builds a small healthy store in a throwaway database, forges one fault as the
 * superuser (switching the immutability triggers off where it must), and shows verify names it.
 */
const databases: TestDatabase[] = [];
after(() => Promise.all(databases.map((db) => db.drop())));

/** Three commands on "o-1" (versions 1, 2, 3) and one on "o-2", as workers record them. */
async function healthyStore(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  const store = new EventStore(db.pool);
  const commands: [string, string, string, number][] = [
    ['c1', 'o-1', 'OrderCreated', 1],
    ['c2', 'o-1', 'OrderStatusUpdated', 2],
    ['c3', 'o-1', 'OrderStatusUpdated', 3],
    ['c4', 'o-2', 'OrderCreated', 1],
  ];
  for (const [commandId, aggregateId, eventType, seq] of commands) await append(store, commandId, aggregateId, eventType, seq);
  return db;
}

function append(store: EventStore, commandId: string, aggregateId: string, eventType: string, seq: number) {
  const metadata = { causationId: commandId, extra: { acceptedSeq: String(seq) } };
  return store.append(aggregateId, [jsonEvent(eventType, { seq }, { metadata })], {
    aggregateType: 'Order',
    command: { commandId, commandType: eventType.replace(/d$/, '') },
  });
}

function kinds(report: VerifyReport): string[] {
  return [...new Set(report.checks.flatMap((c) => c.violations.map((v) => v.kind)))].sort();
}

function messages(report: VerifyReport): string {
  return report.checks.flatMap((c) => c.violations.map((v) => v.message)).join('\n');
}

async function forge(db: TestDatabase, ...statements: string[]): Promise<void> {
  for (const sql of statements) await db.pool.query(sql);
}

const UNLOCK = 'ALTER TABLE events DISABLE TRIGGER events_no_update_delete';

describe('verify: store checks', () => {
  it('passes a healthy store and says what it examined', async () => {
    const db = await healthyStore();
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), []);
    assert.equal(report.ok, true);
    const versions = report.checks.find((c) => c.name === 'versions')!;
    assert.equal(versions.examined, '4 events in 2 aggregates');
    assert.match(report.checks.find((c) => c.name === 'commands')!.examined, /^4 accepted and 0 rejected/);
  });

  it('finds a gap in an aggregate\'s versions (and the command whose event went missing)', async () => {
    const db = await healthyStore();
    await forge(db, UNLOCK, `DELETE FROM events WHERE aggregate_id = 'o-1' AND event_version = 2`);
    const report = await verify({ pool: db.pool });
    assert.equal(report.ok, false);
    assert.deepEqual(kinds(report), ['command_without_events', 'version_gap']);
    assert.match(messages(report), /"o-1" jumps from version 1 to 3/);
  });

  it('finds a stream that does not start at version 1', async () => {
    const db = await healthyStore();
    await forge(db, UNLOCK, `DELETE FROM events WHERE aggregate_id = 'o-2'`, `DELETE FROM processed_commands WHERE command_id = 'c4'`,
      `INSERT INTO events (event_id, aggregate_id, aggregate_type, event_type, event_version, event_data, content_type, occurred_at)
       VALUES (gen_random_uuid(), 'o-2', 'Order', 'OrderCreated', 2, '\\x7b7d', 'application/json', now())`,
      `UPDATE streams SET version = 2 WHERE aggregate_id = 'o-2'`);
    assert.deepEqual(kinds(await verify({ pool: db.pool })), ['version_gap']);
  });

  it('finds a duplicate version', async () => {
    const db = await healthyStore();
    await forge(db, 'ALTER TABLE events DROP CONSTRAINT events_aggregate_version_unique',
      `INSERT INTO events (event_id, aggregate_id, aggregate_type, event_type, event_version, event_data, content_type, occurred_at)
       SELECT gen_random_uuid(), aggregate_id, aggregate_type, event_type, event_version, event_data, content_type, occurred_at
       FROM events WHERE aggregate_id = 'o-1' AND event_version = 2`);
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), ['version_duplicate']);
    assert.match(messages(report), /"o-1" has version 2 twice/);
  });

  it('finds a stream head that disagrees with the events', async () => {
    const db = await healthyStore();
    await forge(db, `UPDATE streams SET version = 7 WHERE aggregate_id = 'o-2'`);
    assert.deepEqual(kinds(await verify({ pool: db.pool })), ['stream_head_mismatch']);
  });

  it('finds an accepted command with no events', async () => {
    const db = await healthyStore();
    await forge(db, `INSERT INTO processed_commands (command_id, command_type, aggregate_id, status, version, event_ids)
                     VALUES ('ghost', 'CancelOrder', 'o-2', 'accepted', 2, '{}')`);
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), ['command_without_events']);
    assert.match(messages(report), /accepted command "ghost" \(aggregate "o-2"\) has no events/);
  });

  it('finds an accepted command whose events were written twice', async () => {
    const db = await healthyStore();
    // A second run of c4 that bypassed the processed-commands check: same cause, next version.
    await forge(db,
      `INSERT INTO events (event_id, aggregate_id, aggregate_type, event_type, event_version, event_data, content_type, metadata, occurred_at)
       SELECT gen_random_uuid(), aggregate_id, aggregate_type, event_type, 2, event_data, content_type, metadata, occurred_at
       FROM events WHERE aggregate_id = 'o-2'`,
      `UPDATE streams SET version = 2 WHERE aggregate_id = 'o-2'`);
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), ['command_applied_twice']);
    assert.match(messages(report), /command "c4" .* caused 1 more event\(s\) than recorded, at version\(s\) 2/);
  });

  it('finds one event claimed by two commands, and a recorded version its events do not reach', async () => {
    const db = await healthyStore();
    await forge(db, `INSERT INTO processed_commands (command_id, command_type, aggregate_id, status, version, event_ids)
                     SELECT 'c4-again', command_type, aggregate_id, status, 5, event_ids FROM processed_commands WHERE command_id = 'c4'`);
    assert.deepEqual(kinds(await verify({ pool: db.pool })), ['command_version_mismatch', 'event_claimed_twice']);
  });

  it('finds events out of their commands\' acceptance order', async () => {
    const db = await healthyStore();
    const store = new EventStore(db.pool);
    await append(store, 'c6', 'o-2', 'OrderStatusUpdated', 3);
    await append(store, 'c5', 'o-2', 'OrderStatusUpdated', 2); // accepted before c6, applied after it
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), ['acceptance_order']);
    assert.match(messages(report), /"o-2": version 3 comes from command accepted #2, after version 2 from #3/);
  });

  it('finds an aggregate whose type changes along its stream', async () => {
    const db = await healthyStore();
    await forge(db,
      `INSERT INTO events (event_id, aggregate_id, aggregate_type, event_type, event_version, event_data, content_type, occurred_at)
       VALUES (gen_random_uuid(), 'o-2', 'UserAccount', 'UserAccountOpened', 2, '\\x7b7d', 'application/json', now())`,
      `UPDATE streams SET version = 2 WHERE aggregate_id = 'o-2'`);
    assert.deepEqual(kinds(await verify({ pool: db.pool })), ['aggregate_type_changed']);
  });

  it('finds a command whose recorded events are partly missing', async () => {
    const db = await healthyStore();
    const metadata = { causationId: 'c5', extra: { acceptedSeq: '2' } };
    await new EventStore(db.pool).append('o-2', [jsonEvent('OrderStatusUpdated', { n: 1 }, { metadata }), jsonEvent('OrderStatusUpdated', { n: 2 }, { metadata })], {
      aggregateType: 'Order',
      command: { commandId: 'c5', commandType: 'UpdateOrderStatus' },
    });
    await forge(db, UNLOCK, `DELETE FROM events WHERE aggregate_id = 'o-2' AND event_version = 3`);
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), ['command_events_missing', 'stream_head_mismatch']);
    assert.match(messages(report), /command "c5" \(aggregate "o-2"\) lists 2 events, 1 are in the store/);
  });

  it('finds a command that lists another aggregate\'s event instead of its own', async () => {
    const db = await healthyStore();
    await forge(db, `UPDATE processed_commands SET event_ids = (SELECT array_agg(event_id) FROM events WHERE aggregate_id = 'o-1' AND event_version = 1)
                     WHERE command_id = 'c4'`);
    assert.deepEqual(kinds(await verify({ pool: db.pool })), ['command_applied_twice', 'command_events_foreign', 'event_claimed_twice']);
  });

  it('counts every violation but keeps only the first examples', async () => {
    const db = await healthyStore();
    await forge(db, `INSERT INTO processed_commands (command_id, command_type, aggregate_id, status, version, event_ids)
                     SELECT 'ghost-' || n, 'CancelOrder', 'o-2', 'accepted', 2, '{}' FROM generate_series(1, 30) n`);
    const commands = (await verify({ pool: db.pool, maxExamples: 5 })).checks.find((c) => c.name === 'commands')!;
    assert.equal(commands.violationCount, 30);
    assert.equal(commands.violations.length, 5);
  });

  it('accepts a command accepted with no change at a version its aggregate reached', async () => {
    const db = await healthyStore();
    await new EventStore(db.pool).recordNoChange({ commandId: 'c-same', commandType: 'Touch', aggregateId: 'o-2', version: 1 });
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), []);
    assert.match(report.checks.find((c) => c.name === 'commands')!.examined, /^5 accepted/);
  });

  it('finds a snapshot ahead of its stream, of another type, or of no stream', async () => {
    const db = await healthyStore();
    await forge(db, `INSERT INTO snapshots (aggregate_id, aggregate_type, version, state, content_type) VALUES
      ('o-1', 'Order', 9, '\\x7b7d', 'application/json'), ('o-2', 'UserAccount', 1, '\\x7b7d', 'application/json'),
      ('o-9', 'Order', 1, '\\x7b7d', 'application/json')`);
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), ['snapshot_ahead_of_stream', 'snapshot_type_mismatch', 'snapshot_without_stream']);
    assert.match(messages(report), /snapshot of "o-1" \(Order, version 9\): the stream is at version 3/);
  });

  it('finds events the command path wrote whose command record is missing', async () => {
    const db = await healthyStore();
    await forge(db, `DELETE FROM processed_commands WHERE command_id = 'c4'`);
    const report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), ['command_record_missing']);
    assert.match(messages(report), /command "c4" caused 1 event\(s\) of aggregate "o-2" \(version\(s\) 1\) but has no record/);
  });

  it('takes pruned command records for what they are: older than the cut-off, not missing; a resend after it ran anew', async () => {
    const db = await healthyStore();
    // c4 ran 40 days ago; its record is pruned (30-day window); then c4 is sent again and runs anew.
    await forge(db, UNLOCK, `UPDATE events SET created_at = created_at - interval '40 days' WHERE aggregate_id = 'o-2'`,
      `UPDATE processed_commands SET processed_at = processed_at - interval '40 days' WHERE command_id = 'c4'`);
    assert.deepEqual(await pruneProcessedCommands(db.pool, { windowDays: 30 }).then((r) => r.deleted), 1);
    let report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), []);
    await append(new EventStore(db.pool), 'c4', 'o-2', 'OrderStatusUpdated', 2);
    report = await verify({ pool: db.pool });
    assert.deepEqual(kinds(report), []);
    const notes = report.checks.find((c) => c.name === 'commands')!.notes.join('\n');
    assert.match(notes, /were pruned \(idempotency window\): 0 older event\(s\) have no record any more, 1 are from an earlier run/);
    // Inside the window, a missing record is still a violation.
    await forge(db, `DELETE FROM processed_commands WHERE command_id = 'c3'`);
    assert.deepEqual(kinds(await verify({ pool: db.pool })), ['command_record_missing']);
  });

  it('reads through a cursor in one read-only transaction, as the application role may', async () => {
    const db = await healthyStore();
    const { createPool } = await import('../../src/store/pool.ts');
    const app = createPool(db.appUrl, { max: 1 });
    try {
      assert.equal((await verify({ pool: app })).ok, true);
    } finally {
      await app.end();
    }
  });
});
