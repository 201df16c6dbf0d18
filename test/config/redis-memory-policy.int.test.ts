import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../reliability/support/servers.ts';
import { pino } from 'pino';
import { memoryPolicyProblem, redisMemorySettings, warnOnRedisMemoryPolicy } from '../../src/observability/redis-memory-policy.ts';
import { waitUntil } from '../support/wait.ts';
import { ownRedis, type OwnServer } from '../security/support/own-servers.ts';
import { runRole, type RoleProcess } from '../security/support/role-process.ts';

/**
 * A Redis that evicts keys when full can drop queued commands without an error: the worker and
 * the server say so at start. On a Redis of the test's own, whose policy the test sets.
 */
describe('Redis memory policy check at start', () => {
  let redis: OwnServer;
  let admin: Redis;
  const roles: RoleProcess[] = [];

  before(async () => {
    redis = await ownRedis();
    admin = new Redis(redis.url);
  });
  after(async () => {
    await Promise.all(roles.map((role) => role.stop()));
    admin?.disconnect();
    await redis?.stop();
  });

  it('warns from the worker and the server when Redis evicts keys', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await admin.config('SET', 'maxmemory', '100mb');
    const worker = runRole('worker', { REDIS_URL: redis.url });
    const server = runRole('serve', { REDIS_URL: redis.url, PORT: String(await freePort()) });
    roles.push(worker, server);
    const warnings = (role: RoleProcess) => role.logged((entry) => entry.level === 40 && entry.maxmemoryPolicy === 'allkeys-lru');
    await waitUntil(() => warnings(worker).length > 0 && warnings(server).length > 0, 'both roles to warn about the eviction policy', 60_000);
    assert.match(warnings(worker)[0]!.msg!, /maxmemory-policy is allkeys-lru: a full Redis evicts keys.*Set maxmemory-policy noeviction/);
    assert.equal(warnings(server)[0]!.maxmemory, 100 * 1024 * 1024);
  });

  it('notes a Redis without a memory limit, and accepts noeviction with one', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '0');
    const worker = runRole('worker', { REDIS_URL: redis.url });
    roles.push(worker);
    await waitUntil(() => worker.logged((entry) => entry.level === 30 && /Redis has no maxmemory/.test(entry.msg ?? '')).length > 0, 'the note', 60_000);
    await admin.config('SET', 'maxmemory', '100mb');
    const settings = await redisMemorySettings(redis.url);
    assert.deepEqual(settings, { maxmemory: 100 * 1024 * 1024, maxmemoryPolicy: 'noeviction' });
    assert.equal(memoryPolicyProblem(settings!), undefined);
    for (const policy of ['volatile-lru', 'allkeys-random', 'volatile-ttl']) {
      assert.equal(memoryPolicyProblem({ maxmemory: 1, maxmemoryPolicy: policy })?.level, 'warn', policy);
    }
  });

  it('skips the check without noise when Redis does not answer INFO', async () => {
    await admin.config('SET', 'requirepass', 'x');
    const entries: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void entries.push(JSON.parse(line)) });
    try {
      await warnOnRedisMemoryPolicy(redis.url, logger);
    } finally {
      await admin.auth('x');
      await admin.config('SET', 'requirepass', '');
    }
    assert.deepEqual(entries.map(({ level, msg }) => [level, msg]), [[20, 'Redis memory settings not checked']]);
  });
});
