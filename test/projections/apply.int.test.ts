import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { applyEvents, applyFaultHooks } from '../../src/projections/apply.ts';
import { EventStore } from '../../src/store/event-store.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import { readCheckpoint } from '../../src/subscriptions/checkpoint.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { commitOrder } from '../support/commit-order.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders } from '../bus/helpers.ts';
import { AUDIT_TABLE_SQL, auditedEventIds, auditProjection } from './fixtures/audit-projection.ts';

let db: TestDatabase;
let events: RecordedEvent[];

before(async () => {
  db = await createTestDatabase();
  await db.pool.query(AUDIT_TABLE_SQL);
  await writeOrders(db.pool, { orders: 20, updates: 2, writers: 3 });
  // The events to feed the appliers (their input, not the oracle: that is commitOrder). readAll
  // follows the xmin rule: a transaction open elsewhere in the shared cluster holds them back a moment.
  const order = await commitOrder(db.pool);
  const store = new EventStore(db.pool);
  await waitUntil(async () => (events = await store.readAll({ limit: 10_000 })).length === order.length, 'the events to pass the xmin horizon', 60_000);
  assert.deepEqual(events.map((e) => e.eventId), order);
});
after(() => db.drop());
afterEach(async () => {
  delete applyFaultHooks.beforeCheckpoint;
  await db.pool.query("TRUNCATE projection_audit RESTART IDENTITY; DELETE FROM subscription_checkpoints WHERE subscription LIKE 'audit%'");
});

test('a batch applied again has no effect: events at or before the checkpoint are skipped', async () => {
  const projection = auditProjection('audit_skip');
  assert.equal((await applyEvents(db.pool, projection, events.slice(0, 30))).length, 30);
  const checkpoint = await readCheckpoint(db.pool, 'audit_skip');

  assert.deepEqual(await applyEvents(db.pool, projection, events.slice(0, 30)), [], 'the same batch again: nothing applied');
  assert.deepEqual(await applyEvents(db.pool, projection, events.slice(10, 20)), [], 'an older part of it: nothing applied');
  assert.deepEqual(await auditedEventIds(db.pool), events.slice(0, 30).map((e) => e.eventId), 'no row written twice');
  assert.deepEqual(await readCheckpoint(db.pool, 'audit_skip'), checkpoint, 'the checkpoint did not move');

  const overlapping = await applyEvents(db.pool, projection, events.slice(25, 40));
  assert.deepEqual(overlapping.map((e) => e.eventId), events.slice(30, 40).map((e) => e.eventId), 'only the events after the checkpoint');
  assert.deepEqual(await auditedEventIds(db.pool), events.slice(0, 40).map((e) => e.eventId));
});

test('two appliers of one projection at once never double-apply: the second waits for the first', async () => {
  const projection = auditProjection('audit_race');
  await applyEvents(db.pool, projection, events.slice(0, 1)); // the checkpoint row exists from here on

  // Applier A stops inside its transaction, after its handler wrote and before its checkpoint.
  let releaseFirst!: () => void;
  const firstReleased = new Promise<void>((resolve) => (releaseFirst = resolve));
  let firstPaused!: () => void;
  const firstAtCheckpoint = new Promise<void>((resolve) => (firstPaused = resolve));
  let paused = false;
  applyFaultHooks.beforeCheckpoint = async () => {
    if (paused) return;
    paused = true;
    firstPaused();
    await firstReleased;
  };
  const batch = events.slice(0, 20);
  const first = applyEvents(db.pool, projection, batch);
  await firstAtCheckpoint;

  // Applier B, same batch: it must block on the checkpoint row's lock (seen in pg_stat_activity), not apply.
  let secondDone = false;
  const second = applyEvents(db.pool, projection, batch).finally(() => (secondDone = true));
  const blocked = async () => {
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%subscription_checkpoints%FOR UPDATE%'`,
    );
    return rows[0].n === 1;
  };
  try {
    while (!(await blocked())) {
      assert.equal(secondDone, false, 'the second applier finished while the first held the projection: it did not wait');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    releaseFirst(); // also when the check failed, so the first applier's connection is freed
  }
  assert.equal((await first).length, 19);
  assert.deepEqual(await second, [], 'the second applier found the events applied');
  assert.deepEqual(await auditedEventIds(db.pool), batch.map((e) => e.eventId), 'each event applied once');
});
