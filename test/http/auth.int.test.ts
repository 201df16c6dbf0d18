import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSystem, type TestSystem } from './support.ts';

const TOKEN = 's3cret-token-for-tests';

/** Every route the server has, with a path that reaches it. Adding a route? Add it here. */
const PROTECTED: Array<[method: string, path: string]> = [
  ['GET', '/readyz'],
  ['POST', '/commands'],
  ['GET', '/commands/some-id'],
  ['GET', '/aggregates/order-1'],
  ['GET', '/aggregates/order-1/events'],
  ['POST', '/aggregates/order-1/resume'],
  ['GET', '/projections/orders/order-1'],
  ['GET', '/operations/halted-aggregates'],
  ['GET', '/metrics'],
  ['GET', '/status'],
  ['GET', '/docs'],
  ['GET', '/docs/json'],
  ['GET', '/docs/static/index.html'],
  ['GET', '/admin/queues'],
  ['GET', '/admin/queues/api/queues'],
  ['GET', '/admin/queues/static/favicon-32x32.png'],
  ['PUT', '/admin/queues/api/queues/commands/promote'],
  ['PUT', '/admin/queues/api/queues/commands/retry/failed'],
  ['PUT', '/admin/queues/api/queues/commands/clean/completed'],
  ['GET', '/no-such-route'],
  ['GET', '/healthz/'],
  ['GET', '/HEALTHZ'],
];

describe('bearer token auth (API_TOKEN set)', () => {
  let system: TestSystem;
  before(async () => {
    system = await startSystem(['server'], { API_TOKEN: TOKEN });
  });
  after(() => system.close());

  const request = (method: string, path: string, authorization?: string) =>
    fetch(system.baseUrl + path, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });

  it('answers 401 on every protected route without a token, with a wrong one, or with another scheme', async () => {
    for (const [method, path] of PROTECTED) {
      const wrongBasic = `Basic ${Buffer.from(`admin:${TOKEN}x`).toString('base64')}`;
      for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${TOKEN}x`, `Bearer ${TOKEN} x`, `Basic ${TOKEN}`, wrongBasic, 'Bearer', TOKEN]) {
        const response = await request(method, path, authorization);
        assert.equal(response.status, 401, `${method} ${path} with ${authorization ?? 'no header'}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /^(Bearer|Basic) realm="eventstore"/);
        const body = await response.text();
        assert.ok(!body.includes(TOKEN), 'the token never appears in an answer');
      }
    }
  });

  it('lets the right token through (the answer is whatever the route says, never 401)', async () => {
    for (const [method, path] of PROTECTED) {
      const response = await request(method, path, `Bearer ${TOKEN}`);
      assert.notEqual(response.status, 401, `${method} ${path}`);
      await response.arrayBuffer();
    }
  });

  it('lets a browser open Bull Board and the docs with Basic auth (token as password), and nothing else', async () => {
    const basic = `Basic ${Buffer.from(`operator:${TOKEN}`).toString('base64')}`;
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/docs/json']) {
      const response = await request('GET', path, basic);
      assert.equal(response.status, 200, path);
      await response.arrayBuffer();
    }
    const challenge = await request('GET', '/admin/queues');
    assert.match(challenge.headers.get('www-authenticate') ?? '', /^Basic/, 'the browser is asked for credentials');
    await challenge.arrayBuffer();
    for (const [method, path] of [['GET', '/status'], ['POST', '/commands'], ['GET', '/metrics']] as const) {
      const response = await request(method, path, basic);
      assert.equal(response.status, 401, `${method} ${path} takes the bearer token only`);
      await response.arrayBuffer();
    }
  });

  it('leaves /healthz open for liveness probes', async () => {
    const response = await request('GET', '/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });
});
