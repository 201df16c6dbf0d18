import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { natsProbe, postgresProbe, redisProbe, type ReadinessProbe } from '../../src/http/readiness.ts';
import { buildServer, type ServerDeps } from '../../src/http/server.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createPool } from '../../src/store/pool.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/database.ts';
import { freePort, NATS_URL, REDIS_URL } from './support.ts';

type Dependency = 'redis' | 'postgres' | 'nats';

/** The HTTP server alone with the given probes; /readyz touches nothing else. */
async function startTestServer(probes: (db: TestDatabase) => ReadinessProbe[]) {
  const db = await createTestDatabase();
  const queue = new Queue(uniqueName('commands'), { connection: { url: REDIS_URL }, prefix: uniqueName('es') });
  const unused = new Proxy({}, { get: (_t, name) => () => Promise.reject(new Error(`not wired in this test: ${String(name)}`)) });
  const deps: ServerDeps = {
    logger: createLogger({ name: 'readiness-test', level: 'silent' }),
    apiToken: undefined,
    maxCommandBytes: 1024,
    bullBoardActions: false,
    store: new EventStore(db.pool),
    commands: unused as ServerDeps['commands'],
    aggregates: unused as ServerDeps['aggregates'],
    registry: new CommandRegistry([]),
    projections: [],
    readDb: db.pool,
    queues: [queue],
    probes: probes(db),
    metrics: new Metrics({ processMetrics: false }).registry,
    status: async () => ({}),
  };
  const app: FastifyInstance = await buildServer(deps);
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    baseUrl,
    async close() {
      await app.close();
      await Promise.all(deps.probes.map((probe) => probe.close?.()));
      await queue.close();
      await db.drop();
    },
  };
}

describe('GET /readyz', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  after(() => Promise.all(servers.map((server) => server.close())));

  /** /readyz of a server whose probe of `dead` points at a closed local port. */
  async function readyz(dead?: Dependency) {
    const port = await freePort();
    const server = await startTestServer((db) => {
      const deadPool = createPool(`postgres://postgres@127.0.0.1:${port}/none`, { max: 1 });
      return [
        dead === 'postgres' ? { ...postgresProbe(deadPool), close: () => deadPool.end() } : postgresProbe(db.pool),
        redisProbe(dead === 'redis' ? `redis://127.0.0.1:${port}` : REDIS_URL),
        natsProbe(dead === 'nats' ? `nats://127.0.0.1:${port}` : NATS_URL),
      ];
    });
    servers.push(server);
    const response = await fetch(`${server.baseUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
  }

  it('is 200 when Redis, PostgreSQL and NATS answer', async () => {
    const { status, body } = await readyz();
    assert.equal(status, 200);
    assert.deepEqual(body, { status: 'ready', checks: { postgres: 'ok', redis: 'ok', nats: 'ok' } });
  });

  for (const dead of ['redis', 'postgres', 'nats'] as const) {
    it(`is 503 naming ${dead} when ${dead} does not answer`, async () => {
      const { status, body } = await readyz(dead);
      assert.equal(status, 503);
      assert.equal(body.status, 'unavailable');
      assert.match(body.checks[dead]!, /ECONNREFUSED|CONNECTION_REFUSED|refused|not connected|no answer/i, `${dead} is named with why`);
      for (const alive of (['redis', 'postgres', 'nats'] as const).filter((name) => name !== dead)) {
        assert.equal(body.checks[alive], 'ok', `${alive} still answers`);
      }
    });
  }
});
