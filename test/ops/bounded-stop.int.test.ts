import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { TempNats, TempRedis, freePort } from '../reliability/support/servers.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';
import { startProcess, type StartedProcess } from './support/start-process.ts';

/**
 * Issue 14 item 1: with its Redis and NATS gone, a signalled process still exits within
 * STOP_TIMEOUT_MS, and every command accepted before runs exactly once after a restart.
 */
const STOP_TIMEOUT_MS = 3_000;
const MARGIN_MS = 4_000;

async function exitWithin(child: StartedProcess, ms: number) {
  const exit = await Promise.race([child.exited, sleep(ms, undefined)]);
  if (!exit) assert.fail(`still running ${ms} ms after the signal:\n${child.output().split('\n').slice(-5).join('\n')}`);
  return exit;
}

describe('bounded stop', { timeout: 180_000 }, () => {
  let redis: TempRedis;
  let nats: TempNats;
  let db: TestDatabase;
  const processes: StartedProcess[] = [];

  before(async () => {
    [redis, nats, db] = await Promise.all([TempRedis.start(), TempNats.start(), createTestDatabase()]);
  });
  after(async () => {
    await Promise.all(processes.map((child) => child.kill()));
    await Promise.all([redis?.stop(), nats?.stop()]);
    await db?.drop();
  });

  async function start(extra: Record<string, string> = {}): Promise<{ child: StartedProcess; baseUrl: string }> {
    const port = await freePort();
    const prefix = uniqueName('stop');
    const child = startProcess({
      DATABASE_URL: db.appUrl,
      MIGRATION_DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      REDIS_PREFIX: prefix,
      QUEUE_NAME: 'commands',
      NATS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      STOP_TIMEOUT_MS: String(STOP_TIMEOUT_MS),
      // A command cut short by the stop runs again once its lock expires: keep that short here.
      COMMAND_LOCK_MS: '2000',
      COMMAND_STALLED_INTERVAL_MS: '1000',
      RECONCILE_INTERVAL_MS: '500',
      RECONCILE_AFTER_MS: '1000',
      ...extra,
    });
    processes.push(child);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${baseUrl}/healthz`).catch(() => undefined))?.ok === true, 'the API to answer', 60_000);
    return { child, baseUrl };
  }

  it('exits within the stop timeout with Redis and NATS killed, and loses no accepted command', async () => {
    // One deployment for both processes: the second must find the first one's queue.
    const prefix = uniqueName('stop');
    const shared = { REDIS_PREFIX: prefix, NATS_PREFIX: prefix };
    const first = await start(shared);
    const aggregates = Array.from({ length: 10 }, (_, i) => `order-${i}-${uniqueName('x')}`);
    const commands = aggregates.flatMap((aggregateId) => [
      { type: 'CreateOrder', aggregateId, payload: { customerId: 'c-1', total: 1 } },
      ...['paid', 'shipped', 'delivered', 'paid'].map((status) => ({ type: 'UpdateOrderStatus', aggregateId, payload: { status } })),
    ]);
    const accepted: string[] = [];
    for (const command of commands) {
      const response = await fetch(`${first.baseUrl}/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) });
      assert.equal(response.status, 202, await response.clone().text());
      accepted.push(((await response.json()) as { commandId: string }).commandId);
    }

    await Promise.all([redis.kill('SIGKILL'), nats.kill('SIGKILL')]);
    const signalledAt = Date.now();
    first.child.signal('SIGTERM');
    const exit = await exitWithin(first.child, STOP_TIMEOUT_MS + MARGIN_MS);
    const tookMs = exit.at - signalledAt;
    assert.ok(tookMs < STOP_TIMEOUT_MS + MARGIN_MS, `stopped after ${tookMs} ms; bound ${STOP_TIMEOUT_MS} ms + ${MARGIN_MS} ms`);
    assert.equal(exit.signal, null, 'exited by itself, not killed by the signal');

    await Promise.all([redis.start(), nats.start()]);
    const second = await start(shared);
    await waitUntil(async () => {
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM processed_commands WHERE command_id = ANY($1)', [accepted]);
      return rows[0].n === accepted.length;
    }, `all ${accepted.length} accepted commands to be processed`, 90_000);
    const { rows } = await db.pool.query(
      `SELECT aggregate_id, count(*)::int AS events, max(event_version)::int AS version FROM events WHERE aggregate_id = ANY($1) GROUP BY aggregate_id`,
      [aggregates],
    );
    assert.equal(rows.length, aggregates.length);
    for (const row of rows) assert.deepEqual({ events: row.events, version: row.version }, { events: 5, version: 5 }, `${row.aggregate_id}: each command once`);
    const statuses = await db.pool.query(`SELECT status, count(*)::int AS n FROM processed_commands WHERE command_id = ANY($1) GROUP BY status`, [accepted]);
    assert.deepEqual(statuses.rows, [{ status: 'accepted', n: accepted.length }]);
    second.child.signal('SIGTERM');
    assert.equal((await second.child.exited).code, 0, 'a stop with its services up is clean');
  });

  it('exits at once, with a non-zero code, on a second signal', async () => {
    const { child } = await start({ STOP_TIMEOUT_MS: '600000' });
    // With Redis gone the graceful stop cannot finish: only the second signal ends it.
    await redis.kill('SIGKILL');
    child.signal('SIGINT');
    await waitUntil(() => child.output().includes('"msg":"stopping"'), 'the stop to begin');
    const signalledAt = Date.now();
    child.signal('SIGINT');
    const exit = await exitWithin(child, MARGIN_MS);
    assert.equal(exit.code, 130);
    assert.ok(exit.at - signalledAt < MARGIN_MS, `exited ${exit.at - signalledAt} ms after the second signal`);
    await redis.start();
  });
});
