import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createEventBus } from '../../src/bus/connect.ts';
import type { RoleName } from '../../src/runtime/roles.ts';
import { runRoles, type RunningProcess } from '../../src/runtime/run-roles.ts';
import { loadConfig } from '../../src/config/env.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/database.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestSystem {
  /** The server's URL, when the server role runs. */
  baseUrl: string;
  db: TestDatabase;
  env: Record<string, string>;
  running: RunningProcess;
  close(): Promise<void>;
}

/**
 * Roles started in this process exactly as the main job starts them, on a deployment of their
 * own: a fresh database, random Redis prefix and queue name, random NATS prefix, a random port.
 */
export async function startSystem(roles: readonly RoleName[], extraEnv: Record<string, string> = {}): Promise<TestSystem> {
  const db = await createTestDatabase();
  const prefix = uniqueName('eshttp');
  const env: Record<string, string> = {
    // The services connect as the application role, as in production; migrations ran as the owner.
    DATABASE_URL: db.appUrl,
    MIGRATION_DATABASE_URL: db.url,
    REDIS_URL,
    NATS_URL,
    REDIS_PREFIX: prefix,
    QUEUE_NAME: uniqueName('commands'),
    NATS_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WORKER_CONCURRENCY: '10',
    ...extraEnv,
  };
  const running = await runRoles(roles, { env });
  return {
    baseUrl: running.roles.find((role) => role.name === 'server')?.url ?? '',
    db,
    env,
    running,
    async close() {
      await running.stop();
      await removeDeployment(env);
      await db.drop();
    },
  };
}

/** Deletes what a test deployment left in the shared Redis and NATS: only its own keys and streams. */
async function removeDeployment(env: Record<string, string>): Promise<void> {
  const config = loadConfig(env);
  const redis = new Redis(config.redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redisPrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const bus = await createEventBus(config, { clientName: `${config.natsPrefix}-cleanup` });
  await bus.destroyChannels();
  await bus.close();
}

/** fetch with the JSON body parsed. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}

/** A local port nothing listens on (taken from the OS, then released): for listeners and dead URLs. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
