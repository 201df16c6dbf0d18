import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CommandIdReusedError } from '../../src/commands/gate/errors.ts';
import { createHarness, type Harness } from './support/harness.ts';

const create = (aggregateId: string, extra: object = {}) => ({ type: 'CreateOrder', aggregateId, payload: { customerId: 'c-1', total: 10 }, ...extra });

/** The error a reuse of `commandId` must raise, naming exactly what differs. */
const reused = (commandId: string, differs: string[]) => (error: unknown) =>
  error instanceof CommandIdReusedError && error.code === 'command_id_reused' && error.commandId === commandId &&
  error.message.includes(commandId) && assert.deepEqual([...error.differs].sort(), [...differs].sort()) === undefined;

describe('a command id reused for another command', () => {
  let h: Harness;
  const jobKey = (commandId: string) => `${h.prefix}:${h.queueName}:${commandId}`;

  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('is refused while the first command waits in its queue, and nothing of the call is written', async () => {
    await h.client.send(create('order-q', { commandId: 'queued-1' }));
    const stored = await h.redis.hgetall(jobKey('queued-1'));
    const cases: Array<[object, string[]]> = [
      [create('order-q', { commandId: 'queued-1', payload: { customerId: 'c-1', total: 11 } }), ['payload']],
      [create('order-other', { commandId: 'queued-1' }), ['aggregateId']],
      [{ commandId: 'queued-1', type: 'UpdateOrderStatus', aggregateId: 'order-q', payload: { status: 'paid' } }, ['type', 'payload']],
      [create('order-q', { commandId: 'queued-1', expectedVersion: 0 }), ['expectedVersion']],
    ];
    for (const [command, differs] of cases) {
      await assert.rejects(h.client.send(command as never), reused('queued-1', differs));
      await assert.rejects(h.client.sendMany([create('order-fresh', { commandId: 'fresh-1' }), command as never]), reused('queued-1', differs));
      await assert.rejects(h.client.sendAndWait(command as never, { timeoutMs: 60_000 }), reused('queued-1', differs));
    }
    assert.equal(await h.redis.exists(jobKey('fresh-1')), 0, 'the good command of a refused call was not queued');
    assert.deepEqual(await h.redis.hgetall(jobKey('queued-1')), stored, 'the first command is untouched');
    assert.equal(await h.client.backlogSize(), 1);
    // The same command again, even with other metadata and keys in another order, is a resend.
    await h.client.send({ commandId: 'queued-1', type: 'CreateOrder', aggregateId: 'order-q', payload: { total: 10, customerId: 'c-1' }, metadata: { correlationId: 'again' } });
    assert.equal(await h.client.backlogSize(), 1);
  });

  it('is refused inside one call: one id for two different commands', async () => {
    await assert.rejects(
      h.client.sendMany([create('order-m', { commandId: 'twice' }), create('order-m', { commandId: 'twice', payload: { customerId: 'c-9', total: 10 } })]),
      reused('twice', ['payload']),
    );
    assert.equal(await h.redis.exists(jobKey('twice')), 0);
    await h.client.sendMany([create('order-m', { commandId: 'twice' }), create('order-m', { commandId: 'twice' })]);
    assert.deepEqual(await h.client.gate.pending('order-m'), ['twice'], 'the same command twice is queued once');
  });

  it('is refused after the first command ran, while an identical resend gets the first outcome', async () => {
    await h.startWorker();
    const first = await h.client.sendAndWait(create('order-r', { commandId: 'ran-1' }));
    assert.equal(first.status, 'accepted');
    const other = create('order-r', { commandId: 'ran-1', payload: { customerId: 'c-2', total: 10 } });
    await assert.rejects(h.client.sendAndWait(other), reused('ran-1', ['payload']));
    await assert.rejects(h.client.send(other), reused('ran-1', ['payload']));
    assert.deepEqual(await h.client.sendAndWait(create('order-r', { commandId: 'ran-1' })), first);
  });

  it('is refused by type or aggregate after Redis forgot the first command (the store keeps no payload)', async () => {
    const first = await h.client.sendAndWait(create('order-f', { commandId: 'forgotten-1' }));
    await (await h.queue.getJob('forgotten-1'))!.remove();
    const otherType = { commandId: 'forgotten-1', type: 'OpenUserAccount', aggregateId: 'order-f', payload: { email: 'f@example.com' } };
    const otherAggregate = create('order-g', { commandId: 'forgotten-1' });
    for (const [command, differs] of [[otherType, ['type']], [otherAggregate, ['aggregateId']]] as const) {
      await assert.rejects(h.client.sendAndWait(command), reused('forgotten-1', [...differs]));
      await assert.rejects(h.client.send(command), reused('forgotten-1', [...differs]));
    }
    assert.equal(await h.redis.exists(jobKey('forgotten-1')), 0, 'nothing queued');
    assert.deepEqual(await h.client.sendAndWait(create('order-f', { commandId: 'forgotten-1' })), first);
  });
});
