import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../reliability/support/servers.ts';
import { waitUntil } from '../support/wait.ts';
import { ownNats, ownRedis, type OwnServer } from './support/own-servers.ts';
import { runRole, type RoleProcess } from './support/role-process.ts';

/**
 * Wrong passwords for Redis, NATS and PostgreSQL, as in a password rotation or a typo: each role
 * keeps being refused, logs why through the logger (JSON lines), and never prints the password it
 * tried (ioredis puts it in its AUTH errors, and BullMQ prints errors nobody listens to with
 * console.error).
 */
const WRONG = { redis: 'Wr0ng-redis-5ecret', nats: 'Wr0ng-nats-5ecret', postgres: 'Wr0ng-pg-5ecret' };
const RIGHT = { redis: 's3cret-redis', nats: 's3cret-nats' };
// Local PostgreSQL trusts local connections and never checks a password: a user that does not
// exist is refused all the same, and its URL carries a password that must not be shown.
const POSTGRES_URL = `postgres://nobody:${WRONG.postgres}@127.0.0.1:5432/x`;

/** Logged lines (JSON with a level) whose error says `text`. */
const logged = (role: RoleProcess, text: string) => role.logged((entry) => (entry.err?.message ?? '').includes(text));

describe('wrong passwords never reach the log', () => {
  let redis: OwnServer;
  let nats: OwnServer;
  const roles: Record<string, RoleProcess> = {};

  before(async () => {
    [redis, nats] = await Promise.all([ownRedis(['--requirepass', RIGHT.redis]), ownNats(['--user', 'u', '--pass', RIGHT.nats])]);
  });
  after(async () => {
    await Promise.all(Object.values(roles).map((role) => role.stop()));
    await Promise.all([redis?.stop(), nats?.stop()]);
  });

  it('logs every refusal through the logger and shows none of the passwords', async () => {
    const wrongRedis = `redis://:${WRONG.redis}@127.0.0.1:${redis.port}`;
    const wrongNats = `nats://u:${WRONG.nats}@127.0.0.1:${nats.port}`;
    const port = await freePort();
    roles.worker = runRole('worker', { REDIS_URL: wrongRedis, DATABASE_URL: POSTGRES_URL });
    roles.server = runRole('serve', { REDIS_URL: wrongRedis, NATS_URL: wrongNats, DATABASE_URL: POSTGRES_URL, PORT: String(port) });
    // The relay reaches NATS (right password) and is then refused by PostgreSQL, again and again.
    roles.relay = runRole('relay', { NATS_URL: `nats://u:${RIGHT.nats}@127.0.0.1:${nats.port}`, DATABASE_URL: POSTGRES_URL });
    roles.dispatcher = runRole('dispatcher', { NATS_URL: wrongNats, DATABASE_URL: POSTGRES_URL });

    await waitUntil(() => logged(roles.worker!, 'WRONGPASS').length > 0, 'the worker to log that Redis refused it', 60_000);
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 503, 'the server to answer /readyz', 60_000);
    await waitUntil(() => logged(roles.server!, 'WRONGPASS').length >= 3, 'the server to log that Redis refused its connections', 60_000);
    await waitUntil(() => logged(roles.server!, 'Authorization Violation').length > 0, "the server's readiness probe to log that NATS refused it", 60_000);
    await waitUntil(() => logged(roles.relay!, 'role "nobody" does not exist').length >= 2, 'the relay to log that PostgreSQL refused it', 60_000);
    assert.equal(await roles.dispatcher.exited, 1, 'the dispatcher cannot start without NATS');
    assert.ok(logged(roles.dispatcher, 'Authorization Violation').length > 0, 'the dispatcher logs why it did not start');
    await Promise.all(Object.values(roles).map((role) => role.stop()));

    for (const [name, role] of Object.entries(roles)) {
      const lines = role.lines();
      for (const secret of [...Object.values(WRONG), ...Object.values(RIGHT)]) {
        assert.deepEqual(lines.filter((line) => line.includes(secret)), [], `the ${name} shows the password ${secret}`);
      }
      // Through the logger, not a library's console.error fallback: every line is a log entry.
      const notLogged = lines.filter((line) => !/^\{"level":\d+,/.test(line));
      assert.deepEqual(notLogged, [], `the ${name} printed outside the logger`);
    }
  });
});
