import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEventBus } from '../../src/bus/connect.ts';
import type { BusMessage, EventBus } from '../../src/bus/event-bus.ts';
import { uniqueName } from '../support/database.ts';
import { skipWithoutStan, stanConfig } from './stan-server.ts';

// With the default ack wait (30 s) a message lost at the subscription start only comes back after
// 30 s: "within a second" tells a delivered first message from a redelivered one.
const FIRST_MESSAGE_WITHIN_MS = 1000;

if (!skipWithoutStan('NATS Streaming: first message at a subscription start')) {
  describe('NATS Streaming: first message at a subscription start (default ack wait)', () => {
    const prefix = uniqueName('first').replace('_', '-');
    const config = stanConfig();
    const buses: EventBus[] = [];
    const open = async (clientName: string, stableClientId = false) => {
      const bus = await createEventBus(config, { prefix, clientName: `${prefix}-${clientName}`, stableClientId });
      buses.push(bus);
      return bus;
    };
    const publish = (bus: EventBus, subject: string, from: number, count: number) =>
      bus.publishBatch(
        subject,
        Array.from({ length: count }, (_, i) => ({ data: Buffer.from(`m${from + i}`), msgId: `m${from + i}` })),
      );
    /** Resolves with the first message the durable gets, and how long after subscribing it came. */
    const firstMessage = async (bus: EventBus, subject: string, durable: string) => {
      const started = Date.now();
      let resolveFirst!: (m: { message: BusMessage; ms: number }) => void;
      const first = new Promise<{ message: BusMessage; ms: number }>((resolve) => (resolveFirst = resolve));
      const sub = await bus.subscribe(subject, async (message) => resolveFirst({ message, ms: Date.now() - started }), { durable });
      return { sub, first: await first };
    };

    after(async () => {
      for (const bus of buses) await bus.close().catch(() => {});
    });

    test('a new durable on a non-empty channel gets its first message at once', async () => {
      const bus = await open('new');
      const subject = `${prefix}.new`;
      await publish(bus, subject, 1, 3);
      const { sub, first } = await firstMessage(bus, subject, 'fresh');
      assert.equal(first.message.data.toString(), 'm1');
      assert.ok(first.ms < FIRST_MESSAGE_WITHIN_MS, `first message after ${first.ms} ms`);
      await sub.close();
    });

    test('a durable resumed after its client was killed gets its next message at once', async () => {
      const subject = `${prefix}.resumed`;
      const publisher = await open('publisher');
      await publish(publisher, subject, 1, 1);
      const child = fork(fileURLToPath(new URL('./fixtures/stan-durable-child.ts', import.meta.url)), {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, PREFIX: prefix, SUBJECT: subject, DURABLE: 'resumed', CLIENT_NAME: `${prefix}-killed` },
      });
      const acked = await new Promise<string>((resolve, reject) => {
        child.on('message', (m) => String(m).startsWith('acked ') && resolve(String(m)));
        child.once('exit', (code) => reject(new Error(`child exited with ${code} before acking`)));
      });
      assert.equal(acked, 'acked m1');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      await publish(publisher, subject, 2, 3);
      // The same client id comes back while the killed one is still registered: the server finds
      // the old session dead (it does not answer) and lets the new one in.
      const again = await open('killed', true);
      const resumed = await firstMessage(again, subject, 'resumed');
      assert.equal(resumed.first.message.data.toString(), 'm2');
      assert.ok(resumed.first.ms < FIRST_MESSAGE_WITHIN_MS, `first message after ${resumed.first.ms} ms`);
      await resumed.sub.close();
    });
  });
}
