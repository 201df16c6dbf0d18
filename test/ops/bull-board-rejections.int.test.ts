import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startSystem, type TestSystem } from '../http/support.ts';

/** Issue 14 item 2: Bull Board shows a domain rejection with its reason, not a stack trace. */
describe('Bull Board and domain rejections', { timeout: 60_000 }, () => {
  let system: TestSystem;
  before(async () => (system = await startSystem(['server', 'worker'])));
  after(() => system?.close());

  it('lists a rejected command with its reason and no stack trace; its name carries the aggregate', async () => {
    const aggregateId = 'order-never-created';
    const rejected = await call(system.baseUrl, 'POST', '/commands', { body: { type: 'CancelOrder', aggregateId, payload: { reason: 'changed my mind' }, wait: true } });
    assert.equal(rejected.status, 422);
    const queueName = system.env.QUEUE_NAME!;
    const query = `activeQueue=${encodeURIComponent(queueName)}&status=failed&page=1&jobsPerPage=10`;
    const { status, body } = await call(system.baseUrl, 'GET', `/admin/queues/api/queues?${query}`);
    assert.equal(status, 200);
    const job = body.queues.find((q: { name: string }) => q.name === queueName).jobs.find((j: { id: string }) => j.id === rejected.body.commandId);
    assert.ok(job, 'the rejected command is in the failed list');
    assert.equal(job.name, `CancelOrder ${aggregateId}`);
    assert.match(job.failedReason, /order-never-created/);
    assert.deepEqual(job.stacktrace, [], 'no stack trace');
  });
});
