import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEventBus } from '../../src/bus/connect.ts';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { uniqueName } from '../support/database.ts';
import { skipWithoutStan, stanConfig } from './stan-server.ts';

// The reads used to wait out fixed timers (1.5 s for an empty channel, 3 s of quiet for a replay
// with nothing to read). Ending on the server's word takes a few round trips.
const PROMPT_MS = 700;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

if (!skipWithoutStan('NATS Streaming: history reads end on the server\'s word')) {
  describe('NATS Streaming: history reads end on the server\'s word, not on a timer', () => {
    const prefix = uniqueName('hist').replace('_', '-');
    let bus: EventBus;
    const full = `${prefix}.full`;
    before(async () => {
      bus = await createEventBus(stanConfig(), { prefix, clientName: `${prefix}-history` });
      await bus.publishBatch(full, Array.from({ length: 25 }, (_, i) => ({ data: Buffer.from(`m${i + 1}`), msgId: `m${i + 1}` })));
    });
    after(async () => {
      await bus?.close();
    });

    test('an empty channel: lastMessage says so and readHistory reads nothing, at once', async () => {
      const empty = `${prefix}.empty`;
      const last = await timed(() => bus.lastMessage(empty));
      assert.equal(last.value, undefined);
      assert.ok(last.ms < PROMPT_MS, `lastMessage took ${last.ms} ms`);
      const read = await timed(() => bus.readHistory(empty, { from: 'all' }, async () => assert.fail('nothing to read')));
      assert.equal(read.value, 0);
      assert.ok(read.ms < PROMPT_MS, `readHistory took ${read.ms} ms`);
    });

    test('a start after the last message reads nothing, at once', async () => {
      for (const startAt of [{ from: 'sequence', sequence: 26 }, { from: 'time', time: new Date(Date.now() + 60_000) }] as const) {
        const read = await timed(() => bus.readHistory(full, startAt, async () => assert.fail('nothing to read')));
        assert.equal(read.value, 0, `from ${startAt.from}`);
        assert.ok(read.ms < PROMPT_MS, `readHistory from ${startAt.from} took ${read.ms} ms`);
      }
    });

    test('a full read ends on the last message, and lastMessage finds it', async () => {
      const last = await bus.lastMessage(full);
      assert.equal(last?.sequence, 25);
      assert.equal(last?.data.toString(), 'm25');
      const seen: number[] = [];
      const read = await timed(() => bus.readHistory(full, { from: 'sequence', sequence: 10 }, async (batch) => void seen.push(...batch.map((m) => m.sequence))));
      assert.equal(read.value, 16);
      assert.deepEqual(seen, Array.from({ length: 16 }, (_, i) => i + 10));
      assert.ok(read.ms < PROMPT_MS, `readHistory took ${read.ms} ms`);
    });
  });
}
