import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MAX_WAIT_MS } from '../../src/http/routes/commands.ts';
import { DEFAULT_TIMEOUTS, IDLE_CONNECTION_MS } from '../../src/http/server.ts';
import { call, startTestServer, type TestServer } from './support.ts';

const TOKEN = 'limits-test-token';
const SECRET = `secret-${randomUUID()}`;
/** Short, so that the test sees the cut; the defaults are checked separately. */
const REQUEST_TIMEOUT_MS = 3_000;
const CHECK_INTERVAL_MS = 200;

/** What a raw connection got back, and when it was closed (ms after it was opened). */
interface RawExchange {
  response: string;
  closedAfterMs: number;
}

/**
 * Opens a connection, sends `head`, then one byte of a never-complete request every second until
 * the server closes the connection or `giveUpMs` pass.
 */
function slowBody(baseUrl: string, head: string, giveUpMs: number): Promise<RawExchange> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), hostname);
    let response = '';
    let drip: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a slow-body connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('connect', () => {
      socket.write(head);
      drip = setInterval(() => socket.write('x'), 1_000);
    });
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('error', () => {}); // a write after the server's close; 'close' follows
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
  });
}

function postHead(path: string, authorization?: string): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n` +
    `${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n{"type":`
  );
}

function bodyOf(raw: string): any {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

describe('connection limits: slow requests are cut, waits for an outcome are not', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ apiToken: TOKEN, timeouts: { requestMs: REQUEST_TIMEOUT_MS, headersMs: REQUEST_TIMEOUT_MS, checkIntervalMs: CHECK_INTERVAL_MS } });
  });
  after(() => server.close());

  it('closes a connection whose headers or body trickle in 1 byte/s (with the token or without) while a longer wait still gets its answer', async () => {
    const waitMs = REQUEST_TIMEOUT_MS * 3;
    const started = Date.now();
    // No worker runs: the command stays queued and the request waits its whole time.
    const waiting = call(server.baseUrl, 'POST', '/commands', {
      body: { type: 'CreateOrder', aggregateId: `order-${randomUUID()}`, payload: { customerId: 'c', total: 1 }, wait: waitMs },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    // Room for a loaded machine; without a request timeout the connections stay open for good.
    const limit = REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + 3_000;
    const [withToken, withoutToken, slowHeaders] = await Promise.all([
      slowBody(server.baseUrl, postHead('/commands', `Bearer ${TOKEN}`), limit * 3),
      slowBody(server.baseUrl, postHead('/commands'), limit * 3),
      slowBody(server.baseUrl, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', limit * 3),
    ]);
    for (const exchange of [withToken, withoutToken, slowHeaders]) {
      assert.ok(exchange.closedAfterMs < limit, `closed after ${exchange.closedAfterMs} ms, limit ${limit} ms`);
    }
    assert.match(withToken.response, /^HTTP\/1\.1 408 /);
    assert.deepEqual(Object.keys(bodyOf(withToken.response)), ['error', 'message']);
    assert.equal(bodyOf(withToken.response).error, 'request_timeout');
    assert.match(slowHeaders.response, /^HTTP\/1\.1 408 /);
    // Without the token the 401 comes at once, and ends the connection: no body is waited for.
    assert.match(withoutToken.response, /^HTTP\/1\.1 401 /);
    assert.match(withoutToken.response, /\r\nconnection: close\r\n/i);
    assert.ok(withoutToken.closedAfterMs < REQUEST_TIMEOUT_MS, `closed after ${withoutToken.closedAfterMs} ms, before the request timeout`);

    const answer = await waiting;
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.match(answer.body.message, new RegExp(`no outcome within ${waitMs} ms`));
    assert.ok(Date.now() - started >= waitMs, 'the wait ran its whole time');
  });

  it('by default cuts a request after 20 s, and never a wait for an outcome (the connection is silent then)', () => {
    const node = server.app.server;
    assert.equal(DEFAULT_TIMEOUTS.requestMs, 20_000);
    assert.ok(DEFAULT_TIMEOUTS.headersMs <= DEFAULT_TIMEOUTS.requestMs);
    assert.ok(IDLE_CONNECTION_MS > MAX_WAIT_MS, 'an idle connection outlives the longest wait');
    assert.equal(node.timeout, IDLE_CONNECTION_MS);
    assert.equal(node.requestTimeout, REQUEST_TIMEOUT_MS);
    assert.equal(node.headersTimeout, REQUEST_TIMEOUT_MS);
  });
});

describe('query strings in logs', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ apiToken: TOKEN });
  });
  after(() => server.close());

  it('never logs a query string: a token sent there stays out of the log, refused or not', async () => {
    const refused = await call(server.baseUrl, 'GET', `/status?token=${SECRET}`);
    assert.equal(refused.status, 401);
    const served = await call(server.baseUrl, 'GET', `/aggregates/order-1/events?fromVersion=1&access_token=${SECRET}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(served.status, 200);
    const unknown = await call(server.baseUrl, 'GET', `/nowhere?token=${SECRET}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(unknown.status, 404);
    assert.ok(!JSON.stringify(unknown.body).includes(SECRET), 'nor in the answer');
    // A request the HTTP parser refuses: its error carries the raw bytes it read.
    const malformed = await rawRequest(server.baseUrl, `GET /status?token=${SECRET} HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n`);
    assert.match(malformed, /^HTTP\/1\.1 400 /);
    assert.equal(bodyOf(malformed).error, 'invalid_request');

    const logs = server.logs();
    assert.match(logs, /"url":"\/status\?\[redacted\]"/, 'the request line is logged, its query redacted');
    assert.match(logs, /client error/, 'the malformed request was logged');
    assert.ok(!logs.includes(SECRET), 'the secret is nowhere in the log');
  });
});

function rawRequest(baseUrl: string, text: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(response));
  });
}
