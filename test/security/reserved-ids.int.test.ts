import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RESERVED_COMMAND_IDS } from '../../src/commands/gate/command-job.ts';
import { CommandGate, ForeignJobKeyError } from '../../src/commands/gate/gate.ts';
import { bullJobOptions } from '../../src/commands/gate/job-options.ts';
import { loadConfig } from '../../src/config/env.ts';
import { call, startSystem, type TestSystem } from '../http/support.ts';

/**
 * A command id is a BullMQ job id, and a job lives at `<prefix>:<queue>:<id>`, beside the queue's
 * own keys. A command named "active" once turned the queue's active list into a hash: every worker
 * then failed with WRONGTYPE and no command of any aggregate ran again.
 */
describe('command ids that name the queue\'s own keys', () => {
  let system: TestSystem;
  let redis: Redis;
  let queueKey: string;
  const keyTypes = async () => Object.fromEntries(await Promise.all([...RESERVED_COMMAND_IDS].map(async (name) => [name, await redis.type(queueKey + name)])));

  before(async () => {
    system = await startSystem(['server', 'worker']);
    const config = loadConfig(system.env);
    queueKey = `${config.redisPrefix}:${config.queueName}:`;
    redis = new Redis(config.redisUrl);
    // The queue's keys exist once a command has run.
    const first = await call(system.baseUrl, 'POST', '/commands', { body: { type: 'CreateOrder', aggregateId: 'order-first', payload: { customerId: 'c', total: 1 }, wait: 30_000 } });
    assert.equal(first.status, 200);
  });
  after(async () => {
    redis?.disconnect();
    await system?.close();
  });

  it('are refused with 400 invalid_command_id, and no queue key changes type', async () => {
    assert.ok(RESERVED_COMMAND_IDS.has('active') && RESERVED_COMMAND_IDS.has('meta') && RESERVED_COMMAND_IDS.has('marker'));
    const before = await keyTypes();
    for (const commandId of RESERVED_COMMAND_IDS) {
      const response = await call(system.baseUrl, 'POST', '/commands', {
        body: { commandId, type: 'CreateOrder', aggregateId: `order-${commandId}`, payload: { customerId: 'c', total: 1 } },
      });
      assert.equal(response.status, 400, `${commandId}: ${JSON.stringify(response.body)}`);
      assert.equal((response.body as { error: string }).error, 'invalid_command_id');
    }
    assert.deepEqual(await keyTypes(), before);
  });

  it('read back as 400, never 500', async () => {
    for (const commandId of RESERVED_COMMAND_IDS) {
      const response = await call(system.baseUrl, 'GET', `/commands/${commandId}`);
      assert.equal(response.status, 400, `GET /commands/${commandId}: ${JSON.stringify(response.body)}`);
    }
  });

  it('leave every aggregate running', async () => {
    const response = await call(system.baseUrl, 'POST', '/commands', { body: { type: 'CreateOrder', aggregateId: 'order-after', payload: { customerId: 'c', total: 2 }, wait: 30_000 } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  });

  it('the gate writes nothing of a call in which a job key holds something else', async () => {
    const config = loadConfig(system.env);
    const gate = new CommandGate(redis, { prefix: config.redisPrefix, queueName: config.queueName });
    await redis.set(`${queueKey}not-a-job`, 'somebody else\'s value');
    await redis.hset(`${queueKey}a-hash`, 'field', 'no job data');
    const command = (commandId: string, aggregateId: string) => ({ aggregateId, commandId, name: 'CreateOrder', data: { commandId } });
    for (const foreign of ['not-a-job', 'a-hash']) {
      const size = await gate.size();
      await assert.rejects(
        gate.enqueue([command('fine-before', 'order-g1'), command(foreign, 'order-g2')], bullJobOptions()),
        (error: unknown) => error instanceof ForeignJobKeyError && error.commandIds.includes(foreign),
      );
      assert.equal(await redis.exists(`${queueKey}fine-before`), 0, 'nothing of the call was written');
      assert.equal(await gate.size(), size);
    }
    assert.equal(await redis.get(`${queueKey}not-a-job`), 'somebody else\'s value');
    assert.deepEqual(await redis.hgetall(`${queueKey}a-hash`), { field: 'no job data' });
  });
});
