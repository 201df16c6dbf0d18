import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { call, startSystem, type TestSystem } from './support.ts';

/** Server only, no workers: a sent command stays in the queue, where Bull Board shows it. */
describe('Bull Board at /admin/queues', () => {
  let system: TestSystem;
  let queueName: string;
  let commandId: string;
  const boardAggregate = `order-${randomUUID()}`;

  before(async () => {
    system = await startSystem(['server']);
    queueName = system.env.QUEUE_NAME!;
    const sent = await call(system.baseUrl, 'POST', '/commands', {
      body: { type: 'CreateOrder', aggregateId: boardAggregate, payload: { customerId: 'c-board', total: 3 } },
    });
    commandId = sent.body.commandId;
  });
  after(() => system.close());

  it('answers 202 with the command id when a wait runs out before a worker ran the command', async () => {
    const sent = await call(system.baseUrl, 'POST', '/commands', {
      body: { type: 'CreateOrder', aggregateId: `order-${randomUUID()}`, payload: { customerId: 'c', total: 1 }, wait: 300 },
    });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.status, 'queued');
    assert.match(sent.body.message, /no outcome within 300 ms/);
    assert.equal((await call(system.baseUrl, 'GET', `/commands/${sent.body.commandId}`)).body.state, 'waiting');
  });

  it('serves the UI', async () => {
    const page = await call(system.baseUrl, 'GET', '/admin/queues');
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
  });

  it('lists the commands queue with the command in it, read-only', async () => {
    const query = `activeQueue=${encodeURIComponent(queueName)}&status=latest&page=1&jobsPerPage=10`;
    const { status, body } = await call(system.baseUrl, 'GET', `/admin/queues/api/queues?${query}`);
    assert.equal(status, 200);
    const queue = body.queues.find((q: { name: string }) => q.name === queueName);
    assert.ok(queue, `queue ${queueName} is listed`);
    assert.equal(queue.readOnlyMode, true);
    assert.equal(queue.allowRetries, false);
    const job = queue.jobs.find((j: { id: string }) => j.id === commandId);
    assert.ok(job, 'the command is a job, by its command id');
    assert.equal(job.name, `CreateOrder ${boardAggregate}`, 'the name carries the aggregate');
    assert.equal(job.data.payload.customerId, 'c-board');
  });

  it('refuses the actions that would bypass the per-aggregate order (405), also when called directly', async () => {
    const base = `/admin/queues/api/queues/${encodeURIComponent(queueName)}`;
    for (const [method, path] of [
      ['PUT', `${base}/promote`],
      ['PUT', `${base}/retry/failed`],
      ['PUT', `${base}/clean/completed`],
      ['PUT', `${base}/${commandId}/promote`],
      ['PUT', `${base}/${commandId}/clean`],
      ['PUT', `${base}/empty`],
    ] as const) {
      const response = await call(system.baseUrl, method, path, { body: {} });
      assert.equal(response.status, 405, `${method} ${path}`);
    }
    const still = await call(system.baseUrl, 'GET', `/commands/${commandId}`);
    assert.equal(still.status, 200, 'the command is still there');
  });
});

describe('Bull Board with BULL_BOARD_ACTIONS=on', () => {
  let system: TestSystem;
  before(async () => {
    system = await startSystem(['server'], { BULL_BOARD_ACTIONS: 'on' });
  });
  after(() => system.close());

  it('lets an operator who turned them on use the actions', async () => {
    const queueName = system.env.QUEUE_NAME!;
    const { body } = await call(system.baseUrl, 'GET', '/admin/queues/api/queues');
    assert.equal(body.queues.find((q: { name: string }) => q.name === queueName).readOnlyMode, false);
    const promote = await call(system.baseUrl, 'PUT', `/admin/queues/api/queues/${encodeURIComponent(queueName)}/promote`, { body: {} });
    assert.notEqual(promote.status, 405);
    assert.ok(promote.status < 400, `promote answered ${promote.status}`);
  });
});
