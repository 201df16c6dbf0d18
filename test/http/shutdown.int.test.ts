import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { call, startSystem } from './support.ts';

describe('server shutdown', () => {
  it('ends a request waiting for an outcome with 503 after a grace period; the command stays queued', async () => {
    const system = await startSystem(['server']); // no workers: the command cannot finish
    try {
      const commandId = randomUUID();
      const waiting = call(system.baseUrl, 'POST', '/commands', {
        body: { commandId, type: 'CreateOrder', aggregateId: `order-${randomUUID()}`, payload: { customerId: 'c', total: 1 }, wait: 60_000 },
      });
      // Stop once the command is queued (the request is then waiting for its outcome).
      const queue = new Queue(system.env.QUEUE_NAME!, { connection: { url: system.env.REDIS_URL! }, prefix: system.env.REDIS_PREFIX! });
      try {
        for (let i = 0; i < 200 && !(await queue.getJob(commandId)); i++) await new Promise((resolve) => setTimeout(resolve, 25));
        const stopping = system.running.stop();
        const answer = await waiting;
        assert.equal(answer.status, 503);
        assert.equal(answer.body.error, 'client_closed');
        assert.match(answer.body.message, /stays queued/);
        await stopping;
        assert.ok(await queue.getJob(commandId), 'the command is still queued');
      } finally {
        await queue.close();
      }
    } finally {
      await system.close();
    }
  });
});
