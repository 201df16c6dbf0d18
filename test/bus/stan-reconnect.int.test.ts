import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createEventBus } from '../../src/bus/connect.ts';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { uniqueName } from '../support/database.ts';
import { OwnStanServer, stanConfig } from './stan-server.ts';

// The client notices a server that forgot it at its next ping (every 5 s), reconnects and
// subscribes again. A message lost at that new subscription's start would come after the
// default ack wait (30 s) instead.
const WITHIN_MS = 10_000;

if (!OwnStanServer.available()) {
  const reason = 'no nats-streaming-server on PATH (build v0.23.2 from its public source to run it)';
  console.log(`# skipping the NATS Streaming restart test: ${reason}`);
  test('NATS Streaming: a durable after a server restart', { skip: reason }, () => {});
} else {
  let server: OwnStanServer | undefined;
  const buses: EventBus[] = [];
  after(async () => {
    for (const bus of buses) await bus.close().catch(() => {});
    await server?.stop();
  });

  test('NATS Streaming: after a server restart the subscriber comes back and gets the waiting messages at once (default ack wait)', async () => {
    server = await OwnStanServer.start();
    const prefix = uniqueName('restart').replace('_', '-');
    const config = stanConfig({ STAN_URL: server.url });
    const subject = `${prefix}.events`;
    const subscriber = await createEventBus(config, { prefix, clientName: `${prefix}-subscriber`, stableClientId: true });
    buses.push(subscriber);
    const arrivals: Array<{ data: string; at: number }> = [];
    await subscriber.subscribe(subject, async (m) => void arrivals.push({ data: m.data.toString(), at: Date.now() }), { durable: 'd' });

    await server.stop();
    await server.restart();
    // A publisher of its own puts messages on the channel before the subscriber is back.
    const publisher = await createEventBus(config, { prefix, clientName: `${prefix}-publisher` });
    buses.push(publisher);
    await publisher.publishBatch(subject, [1, 2, 3].map((i) => ({ data: Buffer.from(`m${i}`), msgId: `m${i}` })));
    const published = Date.now();

    while (arrivals.length < 3 && Date.now() - published < 40_000) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(arrivals.map((a) => a.data), ['m1', 'm2', 'm3']);
    const waited = arrivals[0]!.at - published;
    assert.ok(waited < WITHIN_MS, `first message ${waited} ms after it was published`);
  });
}
