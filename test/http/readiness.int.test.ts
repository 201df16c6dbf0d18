import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { natsProbe, postgresProbe, redisProbe } from '../../src/http/readiness.ts';
import { createPool } from '../../src/store/pool.ts';
import { NATS_URL, REDIS_URL, startTestServer, type TestServer } from './support.ts';

/** A local port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type Dependency = 'redis' | 'postgres' | 'nats';

describe('GET /readyz', () => {
  const servers: TestServer[] = [];
  after(() => Promise.all(servers.map((server) => server.close())));

  /** /readyz of a server whose probe of `dead` points at a closed local port. */
  async function readyz(dead?: Dependency) {
    const port = await closedPort();
    const server = await startTestServer({}, {
      probes: (db) => {
        const deadPool = createPool(`postgres://postgres@127.0.0.1:${port}/none`, { max: 1 });
        return [
          dead === 'postgres' ? { ...postgresProbe(deadPool), close: () => deadPool.end() } : postgresProbe(db.pool),
          redisProbe(dead === 'redis' ? `redis://127.0.0.1:${port}` : REDIS_URL),
          natsProbe(dead === 'nats' ? `nats://127.0.0.1:${port}` : NATS_URL),
        ];
      },
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
