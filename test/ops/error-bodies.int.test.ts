import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../http/support.ts';

/** Issue 14 item 5: answers that say what was wrong, and what the caller needs next. */
describe('error and queued bodies', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server.close());

  const post = async (body: string, contentType = 'application/json') => {
    const response = await fetch(`${server.baseUrl}/commands`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const order = { type: 'CreateOrder', aggregateId: 'order-body-1', payload: { customerId: 'c', total: 1 } };

  it('names an unknown field', async () => {
    const refused = await post(JSON.stringify({ ...order, surprise: true }));
    assert.equal(refused.status, 400);
    assert.match(String(refused.body.message), /unknown field "surprise"/);
  });

  it('says the limit in bytes on 413', async () => {
    const refused = await post(JSON.stringify({ ...order, payload: { customerId: 'x'.repeat(200 * 1024), total: 1 } }));
    assert.equal(refused.status, 413);
    // startTestServer's limit: 64 KiB of command plus the envelope's allowance.
    assert.match(String(refused.body.message), /over the limit of \d+ bytes/);
  });

  it('lists the accepted media types on 415', async () => {
    const refused = await post('x', 'text/plain');
    assert.equal(refused.status, 415);
    assert.match(String(refused.body.message), /accepted: application\/json, application\/x-protobuf/);
  });

  it('answers 202 with the aggregate id', async () => {
    const queued = await post(JSON.stringify(order));
    assert.equal(queued.status, 202);
    assert.equal(queued.body.aggregateId, 'order-body-1');
    assert.equal(typeof queued.body.commandId, 'string');
  });
});
