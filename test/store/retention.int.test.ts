import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { ConfigError } from '../../src/errors.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createPool } from '../../src/store/pool.ts';
import { DEFAULT_IDEMPOTENCY_WINDOW_DAYS, loadConfig } from '../../src/config/env.ts';
import { prunedBefore, pruneProcessedCommands } from '../../src/store/retention.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

describe('the idempotency window: pruning processed commands', () => {
  let db: TestDatabase;
  let app: pg.Pool;
  let store: EventStore;

  before(async () => {
    db = await createTestDatabase();
    app = createPool(db.appUrl, { max: 2 });
    store = new EventStore(app);
    for (let i = 1; i <= 5; i++) {
      await store.append(`ret-${i}`, [jsonEvent('OrderCreated', { i })], { aggregateType: 'Order', expectedVersion: 'no_stream', command: { commandId: `old-${i}`, commandType: 'CreateOrder' } });
    }
    await store.recordRejection({ commandId: 'recent', commandType: 'CancelOrder', aggregateId: 'ret-1', code: 'domain', reason: 'no' });
    // The owner back-dates the five commands: processed 40 days ago.
    await db.pool.query(`UPDATE processed_commands SET processed_at = processed_at - interval '40 days' WHERE command_id LIKE 'old-%'`);
  });
  after(async () => {
    await app.end();
    await db.drop();
  });

  it('reads the window from IDEMPOTENCY_WINDOW_DAYS: whole days >= 1, default 30', () => {
    const idempotencyWindowDays = (env: Record<string, string>) => loadConfig(env).idempotencyWindowDays;
    assert.equal(idempotencyWindowDays({}), DEFAULT_IDEMPOTENCY_WINDOW_DAYS);
    assert.equal(DEFAULT_IDEMPOTENCY_WINDOW_DAYS, 30);
    assert.equal(idempotencyWindowDays({ IDEMPOTENCY_WINDOW_DAYS: '7' }), 7);
    for (const bad of ['0', '-1', '1.5', 'thirty', '7d']) {
      assert.throws(() => idempotencyWindowDays({ IDEMPOTENCY_WINDOW_DAYS: bad }), (error) => error instanceof ConfigError && /IDEMPOTENCY_WINDOW_DAYS/.test(error.message), bad);
    }
  });

  it('is refused to the application role, which may not forget outcomes', async () => {
    await assert.rejects(pruneProcessedCommands(app, { windowDays: 30 }), /permission denied/);
    await assert.rejects(app.query(`DELETE FROM processed_commands WHERE command_id = 'old-1'`), /permission denied/);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM processed_commands');
    assert.equal(rows[0].n, 6);
  });

  it('deletes, as the owner and in batches, only the records older than the window, and notes the cut-off', async () => {
    assert.deepEqual(await prunedBefore(db.pool), new Date(0));
    const outside = await pruneProcessedCommands(db.pool, { windowDays: 50 });
    assert.equal(outside.deleted, 0, 'nothing is 50 days old');
    const result = await pruneProcessedCommands(db.pool, { windowDays: 30, batchSize: 2 });
    assert.equal(result.deleted, 5);
    const { rows } = await db.pool.query('SELECT command_id FROM processed_commands');
    assert.deepEqual(rows.map((r) => r.command_id), ['recent']);
    const cutoff = await prunedBefore(app);
    assert.deepEqual(cutoff, result.prunedBefore);
    assert.ok(Math.abs(Date.now() - 30 * 86_400_000 - cutoff.getTime()) < 60_000, 'the cut-off is now minus the window');
    // A wider window later does not move the cut-off back: those records are gone all the same.
    await pruneProcessedCommands(db.pool, { windowDays: 60 });
    assert.deepEqual(await prunedBefore(app), cutoff);
  });

  it('lets a command id sent again after its record was pruned run as a new command', async () => {
    const result = await store.append('ret-1', [jsonEvent('OrderCreated', { again: true })], {
      aggregateType: 'Order', expectedVersion: 1, command: { commandId: 'old-1', commandType: 'CreateOrder' },
    });
    assert.equal(result.nextExpectedVersion, 2);
  });
});
