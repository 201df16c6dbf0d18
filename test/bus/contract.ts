/**
 * The contract every EventBus transport keeps. Run by jetstream-contract.int.test.ts (always) and
 * stan-contract.int.test.ts (when STAN_URL points at a NATS Streaming server).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { BusMessage, EventBus, SubscribeOptions } from '../../src/bus/event-bus.ts';
import { uniqueName } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';

const text = (m: BusMessage) => Buffer.from(m.data).toString();

export function busContract(transport: string, open: () => Promise<EventBus & { destroy(): Promise<void> }>): void {
  describe(`EventBus contract: ${transport}`, () => {
    let bus: EventBus & { destroy(): Promise<void> };
    let subject: string;
    let published = 0;

    before(async () => {
      bus = await open();
      subject = bus.subjects.events;
    });
    after(async () => bus.destroy());

    async function publish(count: number, label = 'm'): Promise<void> {
      const messages = Array.from({ length: count }, () => {
        const n = ++published;
        return { data: Buffer.from(`${label}${n}`), msgId: `${label}-${n}` };
      });
      await bus.publishBatch(subject, messages);
    }

    /** Subscribes and collects what the handler gets (texts, in order). */
    async function collect(options: Partial<SubscribeOptions>, onMessage?: (m: BusMessage, seen: string[]) => void) {
      const seen: string[] = [];
      const sub = await bus.subscribe(
        subject,
        async (m) => {
          onMessage?.(m, seen);
          seen.push(text(m));
        },
        { durable: uniqueName('d').replace('_', '-'), ackWaitMs: 1000, ...options },
      );
      return { seen, sub };
    }

    test('publishBatch stores in order; lastMessage returns the end of the channel', async () => {
      await publish(50);
      const last = await bus.lastMessage(subject);
      assert.equal(Buffer.from(last!.data).toString(), 'm50');
      assert.equal(last!.sequence, 50);
      const history: string[] = [];
      assert.equal(await bus.readHistory(subject, { from: 'all' }, async (ms) => void history.push(...ms.map(text))), 50);
      assert.deepEqual(history, Array.from({ length: 50 }, (_, i) => `m${i + 1}`));
    });

    test('a failing handler gets the SAME message again, and nothing behind it first (strict order)', async () => {
      let failed = 0;
      const { seen, sub } = await collect({ startAt: { from: 'sequence', sequence: 41 } }, (m) => {
        if (text(m) === 'm43' && failed++ < 2) throw new Error('transient failure');
      });
      await waitUntil(() => seen.length === 10, 'ten messages handled', 30_000);
      await sub.unsubscribe();
      assert.equal(failed, 3, 'm43 failed twice, then succeeded');
      assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => `m${i + 41}`));
    });

    test('a durable keeps its position while away and ignores its start option when resumed', async () => {
      const durable = uniqueName('resume').replace('_', '-');
      const first = await collect({ durable, startAt: { from: 'sequence', sequence: 48 } });
      await waitUntil(() => first.seen.length === 3, 'first three');
      await first.sub.close();
      await publish(2); // m51, m52 while the durable is away
      const second = await collect({ durable, startAt: { from: 'all' } });
      await waitUntil(() => second.seen.length === 2, 'the two new ones');
      await sleep(300);
      assert.deepEqual(second.seen, ['m51', 'm52']);
      await second.sub.unsubscribe();
      // Unsubscribe deleted the durable: the same name starts afresh.
      const third = await collect({ durable, startAt: { from: 'sequence', sequence: 52 } });
      await waitUntil(() => third.seen.length === 1, 'restart at 52');
      await third.sub.unsubscribe();
    });

    test('replay: all, sequence, time, delta and last_received deliver what they promise', async () => {
      await sleep(1100);
      const boundary = new Date();
      await sleep(50);
      await publish(3, 't'); // t53..t55 after the boundary
      const total = published;
      // Thunks: the delta is taken when its subscription starts.
      const cases: Array<[() => SubscribeOptions['startAt'], string[]]> = [
        [() => ({ from: 'all' }), Array.from({ length: total }, (_, i) => (i < 52 ? `m${i + 1}` : `t${i + 1}`))],
        [() => ({ from: 'sequence', sequence: 52 }), ['m52', 't53', 't54', 't55']],
        [() => ({ from: 'time', time: boundary }), ['t53', 't54', 't55']],
        [() => ({ from: 'delta', ms: Date.now() - boundary.getTime() + 500 }), ['t53', 't54', 't55']],
        [() => ({ from: 'last_received' }), ['t55']],
      ];
      for (const [position, expected] of cases) {
        const startAt = position();
        const { seen, sub } = await collect({ startAt });
        await waitUntil(() => seen.length >= expected.length, `replay ${JSON.stringify(startAt)}`);
        await sleep(200);
        await sub.unsubscribe();
        assert.deepEqual(seen, expected, `replay ${JSON.stringify(startAt)}`);
      }
      // The last_received subscriber goes on with new messages.
      const { seen, sub } = await collect({ startAt: { from: 'last_received' } });
      await waitUntil(() => seen.length === 1, 'last');
      await publish(1, 't');
      await waitUntil(() => seen.length === 2, 'then new');
      await sub.unsubscribe();
      assert.deepEqual(seen, ['t55', 't56']);
    });

    test('a queue group hands each message to exactly one member', async () => {
      const durable = uniqueName('q').replace('_', '-');
      const start = published + 1;
      const members = await Promise.all(
        [1, 2, 3].map(() => collect({ durable, queue: 'workers', maxInFlight: 8, startAt: { from: 'sequence', sequence: start } })),
      );
      await publish(60, 'g');
      await waitUntil(() => members.reduce((n, m) => n + m.seen.length, 0) >= 60, 'all 60 handled');
      await sleep(500);
      const all = members.flatMap((m) => m.seen).sort();
      assert.equal(all.length, 60, 'no message handled twice');
      assert.equal(new Set(all).size, 60);
      assert.ok(members.filter((m) => m.seen.length > 0).length >= 2, 'the load is shared');
      await members[0]!.sub.close();
      await members[1]!.sub.close();
      await members[2]!.sub.unsubscribe();
    });

    test('a durable resumed with other settings gets them: once run with maxInFlight 16, it is strict again', async () => {
      const durable = uniqueName('settings').replace('_', '-');
      const start = published + 1;
      const loose = await collect({ durable, maxInFlight: 16, startAt: { from: 'sequence', sequence: start } });
      await loose.sub.close();
      await publish(10, 's'); // while the durable is away
      let failed = 0;
      const strict = await collect({ durable }, (m) => {
        if (text(m) === `s${start + 2}` && failed++ < 2) throw new Error('transient failure');
      });
      await waitUntil(() => strict.seen.length === 10, 'the ten messages handled', 30_000);
      await strict.sub.unsubscribe();
      assert.equal(failed, 3);
      assert.deepEqual(strict.seen, Array.from({ length: 10 }, (_, i) => `s${start + i}`), 'nothing overtook the failing message');
    });

    test('a message published twice with the same msgId reaches a consumer once (JetStream dedupe window)', async () => {
      const start = published + 1;
      await publish(1, 'd');
      const repeated = { data: Buffer.from(`d${start}`), msgId: `d-${start}` };
      await bus.publishBatch(subject, [repeated]); // e.g. a dispatcher re-publishing after a redelivery
      await publish(1, 'd'); // the marker: once it arrives, everything before it has been delivered
      const { seen, sub } = await collect({ startAt: { from: 'sequence', sequence: start } });
      await waitUntil(() => seen.includes(`d${start + 1}`), 'the marker after the re-publish arrived', 30_000);
      await sub.unsubscribe();
      if (bus.transport === 'jetstream') {
        assert.deepEqual(seen, [`d${start}`, `d${start + 1}`], 'the server dropped the re-publish');
      } else {
        // NATS Streaming has no msg-id dedupe: the copy is stored and delivered. The consumer side
        // absorbs it: a projector skips events at or before its checkpoint (applyEvents), so the
        // copy has no effect on a projection.
        assert.deepEqual(seen, [`d${start}`, `d${start}`, `d${start + 1}`]);
        published++;
      }
    });
  });
}
