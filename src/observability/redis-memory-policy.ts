import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

export interface RedisMemorySettings {
  /** Bytes; 0: no limit. */
  maxmemory: number;
  maxmemoryPolicy: string;
}

/**
 * Redis's memory limit and what it does when the limit is reached, from INFO memory (which managed
 * Redis services answer where they refuse CONFIG GET). Undefined when Redis does not say.
 */
export async function redisMemorySettings(redisUrl: string): Promise<RedisMemorySettings | undefined> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectionName: 'eventstore-memory-check' });
  redis.on('error', () => {}); // the failed call below says why; the roles' own connections log it
  try {
    await redis.connect();
    const info = await redis.info('memory');
    const fields = new Map(info.split(/\r?\n/).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));
    const maxmemory = Number(fields.get('maxmemory'));
    const maxmemoryPolicy = fields.get('maxmemory_policy');
    if (!maxmemoryPolicy || !Number.isFinite(maxmemory)) return undefined;
    return { maxmemory, maxmemoryPolicy };
  } finally {
    redis.disconnect();
  }
}

/**
 * What the queue needs of Redis's memory settings, in words, or undefined when they fit.
 *
 * Fits: maxmemory-policy `noeviction`. Any other policy lets a full Redis delete keys to make room,
 * and the keys it picks can be queued commands or the gate's lists: commands vanish without an
 * error. With noeviction a full Redis refuses writes instead, and producers get the error. With
 * noeviction and no maxmemory (Redis's own default) nothing is lost silently either, but Redis
 * grows until the machine runs out: that one is a note, not a warning.
 */
export function memoryPolicyProblem(settings: RedisMemorySettings): { level: 'warn' | 'info'; message: string } | undefined {
  if (settings.maxmemoryPolicy !== 'noeviction') {
    return {
      level: 'warn',
      message:
        `Redis maxmemory-policy is ${settings.maxmemoryPolicy}: a full Redis evicts keys, and queued commands ` +
        'can vanish without an error. Set maxmemory-policy noeviction (a full Redis then refuses new commands).',
    };
  }
  if (settings.maxmemory === 0) {
    return {
      level: 'info',
      message: 'Redis has no maxmemory: it grows with the backlog until the machine runs out. Set maxmemory (with noeviction) above what a full queue needs (see docs/operations.md, "Redis memory").',
    };
  }
  return undefined;
}

/** Logs memoryPolicyProblem at start; says nothing when Redis does not tell (INFO refused, Redis away). */
export async function warnOnRedisMemoryPolicy(redisUrl: string, logger: Logger): Promise<void> {
  try {
    const settings = await redisMemorySettings(redisUrl);
    const problem = settings && memoryPolicyProblem(settings);
    if (problem) logger[problem.level]({ ...settings }, problem.message);
  } catch (error) {
    logger.debug({ err: error }, 'Redis memory settings not checked');
  }
}
