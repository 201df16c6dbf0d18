import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { systemStatus } from '../../src/observability/system-status.ts';
import { natsProbe, postgresProbe, redisProbe, type ReadinessProbe } from '../../src/http/readiness.ts';
import { buildServer, type ServerDeps } from '../../src/http/server.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/database.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestServer {
  app: FastifyInstance;
  baseUrl: string;
  db: TestDatabase;
  queue: Queue;
  deps: ServerDeps;
  close(): Promise<void>;
}

/** Not wired in a test that does not need it: a call is a test bug. */
const unused = new Proxy({}, { get: (_t, name) => () => Promise.reject(new Error(`not wired in this test: ${String(name)}`)) });

/**
 * The HTTP server on a random port with real dependencies: its own database, a queue with a
 * random name and prefix on the shared Redis, probes of the real services.
 */
export async function startTestServer(
  overrides: Partial<ServerDeps> = {},
  options: { probes?: (db: TestDatabase) => ReadinessProbe[] } = {},
): Promise<TestServer> {
  const db = await createTestDatabase();
  const queue = new Queue(uniqueName('commands'), { connection: { url: REDIS_URL }, prefix: uniqueName('es') });
  const allProbes = options.probes?.(db) ?? [postgresProbe(db.pool), redisProbe(REDIS_URL), natsProbe(NATS_URL)];
  const metrics = new Metrics({ processMetrics: false });
  const status = systemStatus({ queue });
  metrics.observeStatus(status);
  const deps: ServerDeps = {
    logger: createLogger({ name: 'http-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    apiToken: undefined,
    maxCommandBytes: 64 * 1024,
    bullBoardActions: false,
    store: new EventStore(db.pool, { maxEventBytes: 1024 * 1024 }),
    commands: unused as ServerDeps['commands'],
    aggregates: unused as ServerDeps['aggregates'],
    projections: unused as ServerDeps['projections'],
    queues: [queue],
    probes: allProbes,
    metrics: metrics.registry,
    status,
    ...overrides,
  };
  const app = await buildServer(deps);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    baseUrl: address,
    db,
    queue,
    deps,
    async close() {
      await app.close();
      await Promise.all(allProbes.map((probe) => probe.close?.()));
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await db.drop();
    },
  };
}
