import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { exampleDomain } from '../../examples/orders/domain/index.ts';
import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import { createEventBus } from '../../src/bus/connect.ts';
import type { RoleName } from '../../src/runtime/roles.ts';
import { runRoles, type RunningProcess } from '../../src/runtime/run-roles.ts';
import { CommandClient } from '../../src/commands/gate/command-client.ts';
import { loadConfig } from '../../src/config/env.ts';
import { aggregateReader } from '../../src/http/aggregate-reader.ts';
import { buildServer, type ServerTimeouts } from '../../src/http/server.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { Projection } from '../../src/projections/projection.ts';
import { EventStore } from '../../src/store/event-store.ts';
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

export interface TestServer {
  app: FastifyInstance;
  baseUrl: string;
  db: TestDatabase;
  /** Every line the server logged (JSON, one per line), at level trace and above. */
  logs(): string;
  close(): Promise<void>;
}

/**
 * The HTTP server alone, built with real dependencies on a deployment of its own, and no workers:
 * commands are queued and stay queued. Its log is captured for the test to read.
 */
export async function startTestServer(
  options: { apiToken?: string; timeouts?: Partial<ServerTimeouts>; projections?: readonly Projection[] } = {},
): Promise<TestServer> {
  const db = await createTestDatabase();
  const prefix = uniqueName('eshttp');
  const queueName = uniqueName('commands');
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const commands = new CommandClient({ redisUrl: REDIS_URL, queueName, prefix, registry: exampleDomain, pool: db.pool });
  const queue = new Queue(queueName, { connection: { url: REDIS_URL }, prefix });
  const store = new EventStore(db.pool);
  const app = await buildServer({
    logger: pino({ level: 'trace' }, stream),
    apiToken: options.apiToken,
    maxCommandBytes: 64 * 1024,
    bullBoardActions: false,
    store,
    commands,
    aggregates: aggregateReader(store, exampleDomain),
    registry: exampleDomain,
    projections: options.projections ?? [ordersProjection],
    readDb: db.pool,
    queues: [queue],
    probes: [],
    metrics: new Metrics({ processMetrics: false }).registry,
    status: async () => ({}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    baseUrl,
    db,
    logs: () => lines.join(''),
    async close() {
      await app.close();
      await commands.close();
      await queue.close();
      await removeRedisKeys(REDIS_URL, prefix);
      await db.drop();
    },
  };
}

async function removeRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Deletes what a test deployment left in the shared Redis and NATS: only its own keys and streams. */
async function removeDeployment(env: Record<string, string>): Promise<void> {
  const config = loadConfig(env);
  await removeRedisKeys(config.redisUrl, config.redisPrefix);
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
