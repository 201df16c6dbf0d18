import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { METADATA_LIMITS } from '../../src/commands/gate/command-job.ts';
import { InvalidCommandError } from '../../src/commands/gate/errors.ts';
import { PayloadTooLargeError } from '../../src/errors.ts';
import type { EventMetadata } from '../../src/store/types.ts';
import { createHarness, type Harness } from './support/harness.ts';

/**
 * Metadata travels in every job and is copied into every event its command causes: it is bounded
 * (keys, key and value length, total), and it counts in the command size (MAX_COMMAND_BYTES).
 * A command over a bound is refused by the client, and nothing of it is queued.
 */
const MAX_COMMAND_BYTES = 4096;
const payload = { customerId: 'c-1', total: 10 };
const extraOf = (entries: number, value = 'v') => Object.fromEntries(Array.from({ length: entries }, (_, i) => [`k${i}`, value]));

describe('command metadata limits', () => {
  let h: Harness;

  before(async () => {
    h = await createHarness({ client: { maxCommandBytes: MAX_COMMAND_BYTES } });
  });
  after(() => h.close());

  it('refuses metadata over a bound with an error naming the field and the limit, queueing nothing', async () => {
    const cases: Array<[string, EventMetadata, RegExp]> = [
      ['too many keys', { extra: extraOf(METADATA_LIMITS.extraKeys + 1) }, /metadata\.extra has 33 keys, over the limit of 32/],
      ['a long key', { extra: { ['k'.repeat(METADATA_LIMITS.keyBytes + 1)]: 'v' } }, /metadata\.extra key "k{40}\.\.\." is 129 bytes, over the limit of 128/],
      ['a long value', { extra: { tenant: 'v'.repeat(METADATA_LIMITS.valueBytes + 1) } }, /metadata\.extra\["tenant"\] is 1025 bytes, over the limit of 1024/],
      // Bytes, not characters: 342 three-byte characters are 1026 bytes.
      ['a long value in bytes', { extra: { tenant: '€'.repeat(342) } }, /metadata\.extra\["tenant"\] is 1026 bytes, over the limit of 1024/],
      ['too much in all', { extra: extraOf(METADATA_LIMITS.extraKeys, 'v'.repeat(300)) }, /metadata is \d+ bytes as JSON, over the limit of 8192 bytes/],
      ['a value that is not a string', { extra: { n: 1 as unknown as string } }, /metadata\.extra must map strings to strings; "n" is number/],
    ];
    for (const [what, metadata, message] of cases) {
      const command = { commandId: `meta-${what.replaceAll(' ', '-')}`, type: 'CreateOrder', aggregateId: 'order-meta', payload, metadata };
      await assert.rejects(h.client.send(command), (error: unknown) => error instanceof InvalidCommandError && message.test(error.message), what);
      await assert.rejects(h.client.sendMany([{ ...command, commandId: undefined, aggregateId: 'order-fine' }, command]), InvalidCommandError, what);
      assert.equal(await h.queue.getJob(command.commandId), undefined, what);
    }
    assert.equal(await h.client.backlogSize(), 0);
    assert.deepEqual(await h.queue.getJobCounts('wait', 'delayed', 'active'), { wait: 0, delayed: 0, active: 0 });
  });

  it('counts the metadata in the command size', async () => {
    // Within every metadata bound, and a small payload: together over MAX_COMMAND_BYTES.
    const metadata = { extra: extraOf(5, 'v'.repeat(1000)) };
    await assert.rejects(
      h.client.send({ commandId: 'meta-size', type: 'CreateOrder', aggregateId: 'order-meta', payload, metadata }),
      (error: unknown) => error instanceof PayloadTooLargeError && error.limit === MAX_COMMAND_BYTES && /payload and metadata of CreateOrder is \d+ bytes/.test(error.message),
    );
    assert.equal(await h.queue.getJob('meta-size'), undefined);
    assert.equal(await h.client.backlogSize(), 0);
  });

  it('queues metadata at the bounds', async () => {
    const atBounds = { correlationId: 'c-1', extra: { ...extraOf(METADATA_LIMITS.extraKeys - 1), ['k'.repeat(METADATA_LIMITS.keyBytes)]: 'v'.repeat(METADATA_LIMITS.valueBytes) } };
    await h.client.send({ commandId: 'meta-at-bounds', type: 'CreateOrder', aggregateId: 'order-bounds', payload, metadata: atBounds });
    assert.deepEqual((await h.queue.getJob('meta-at-bounds'))?.data.metadata, atBounds);
  });
});
