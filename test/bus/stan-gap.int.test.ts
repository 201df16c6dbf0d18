import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ChannelGapError } from '../../src/bus/errors.ts';
import { StanBus } from '../../src/bus/stan-bus.ts';
import { createLogger } from '../../src/logger.ts';
import { uniqueName } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';
import { OwnStanServer } from './stan-server.ts';

if (!OwnStanServer.available()) {
  const reason = 'no nats-streaming-server on PATH (build v0.23.2 from its public source to run it)';
  console.log(`# skipping the NATS Streaming channel-gap test: ${reason}`);
  test('NATS Streaming: a subscription whose next messages left the channel', { skip: reason }, () => {});
} else {
  let server: OwnStanServer | undefined;
  let bus: StanBus | undefined;
  after(async () => {
    await bus?.close().catch(() => {});
    await server?.stop();
  });

  test('NATS Streaming: a subscription whose next messages were removed by channel limits reports the gap', async () => {
    // Every channel keeps its last 5 messages.
    server = await OwnStanServer.start(['-mm', '5']);
    const prefix = uniqueName('gap').replace('_', '-');
    const gaps: ChannelGapError[] = [];
    bus = await StanBus.connect({
      url: server.url,
      clusterId: 'test-cluster',
      clientId: `${prefix}-reader`,
      prefix,
      logger: createLogger({ name: 'gap-test', level: 'fatal' }),
      onGap: (gap) => gaps.push(gap),
    });
    const subject = `${prefix}.dispatch.orders`;
    const publish = (from: number, to: number) =>
      bus!.publishBatch(subject, Array.from({ length: to - from + 1 }, (_, i) => ({ data: Buffer.from(`m${from + i}`), msgId: `m${from + i}` })));
    await publish(1, 1);
    const received: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe(
      subject,
      async (m) => {
        received.push(m.data.toString());
        if (m.sequence === 1) await held;
      },
      { durable: 'lagging' },
    );
    await waitUntil(() => received.length === 1, 'the first message is being handled');
    // While the subscriber is busy, the channel rolls over: 2 to 6 leave it.
    await publish(2, 11);
    release();
    await waitUntil(() => received.length === 6, 'the subscriber read what the channel still holds');
    assert.deepEqual(received, ['m1', 'm7', 'm8', 'm9', 'm10', 'm11']);
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0]!.code, 'channel_gap');
    assert.deepEqual([gaps[0]!.after, gaps[0]!.next, gaps[0]!.durable], [1, 7, 'lagging']);
    assert.match(gaps[0]!.message, /messages 2 to 6 are no longer in the channel/);
  });
}
