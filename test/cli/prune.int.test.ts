import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

const BIN = join(import.meta.dirname, '../../bin/eventstore.mjs');
const run = promisify(execFile);

/** `eventstore prune-commands` as an operator runs it: the owner's URL beside the services' one. */
describe('eventstore prune-commands (CLI)', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    db = await createTestDatabase();
    const store = new EventStore(db.pool);
    for (const [id, age] of [['a', 45], ['b', 10], ['c', 0]] as const) {
      await store.append(`prune-${id}`, [jsonEvent('OrderCreated', {})], { aggregateType: 'Order', command: { commandId: `cmd-${id}`, commandType: 'CreateOrder' } });
      await db.pool.query(`UPDATE processed_commands SET processed_at = now() - make_interval(days => $1) WHERE command_id = $2`, [age, `cmd-${id}`]);
    }
    env = { ...process.env, DATABASE_URL: db.appUrl, MIGRATION_DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    delete env.IDEMPOTENCY_WINDOW_DAYS;
  });
  after(() => db.drop());

  const prune = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [BIN, 'prune-commands', ...args], { env: { ...env, ...extra } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  const remaining = async () => (await db.pool.query('SELECT command_id FROM processed_commands ORDER BY 1')).rows.map((r) => r.command_id);

  it('refuses a window that is not a whole number of days >= 1, and deletes nothing', async () => {
    const bad = await prune(['--days', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--days must be a whole number >= 1/);
    const badEnv = await prune([], { IDEMPOTENCY_WINDOW_DAYS: 'a month' });
    assert.equal(badEnv.code, 1);
    assert.match(badEnv.stderr, /IDEMPOTENCY_WINDOW_DAYS must be a whole number from 1 to/);
    assert.deepEqual(await remaining(), ['cmd-a', 'cmd-b', 'cmd-c']);
  });

  it('deletes the records older than IDEMPOTENCY_WINDOW_DAYS (default 30) and says how many', async () => {
    const first = await prune([]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /pruned 1 command record\(s\) processed before \S+ \(idempotency window 30 days\)/);
    assert.deepEqual(await remaining(), ['cmd-b', 'cmd-c']);
    const second = await prune([], { IDEMPOTENCY_WINDOW_DAYS: '7' });
    assert.match(second.stdout, /pruned 1 command record\(s\) .*\(idempotency window 7 days\)/);
    assert.deepEqual(await remaining(), ['cmd-c']);
  });

  it('is refused when run with the application role as the owner', async () => {
    const denied = await prune(['--days', '1'], { MIGRATION_DATABASE_URL: db.appUrl });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /permission denied/);
  });
});
