import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeDeadLetter, type DeadLetter } from '../../src/bus/dead-letter.ts';
import { Dispatcher } from '../../src/bus/dispatcher.ts';
import { subscribeToEvents } from '../../src/subscriptions/event-subscription.ts';
import { encodeEvent } from '../../src/envelope/codec.ts';
import { createLogger } from '../../src/logger.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import { waitUntil } from '../support/wait.ts';
import { createTestBus } from './helpers.ts';
import { transports } from './stan-server.ts';

const logger = createLogger({ name: 'dispatcher-test', level: 'fatal' });

function event(position: number, eventType: string): RecordedEvent {
  return {
    eventId: randomUUID(), aggregateId: `order-${position % 5}`, aggregateType: 'Order', eventType, eventVersion: position,
    data: Buffer.from('{}'), contentType: 'application/json', metadata: {}, occurredAt: new Date(), globalPosition: position, transactionId: 1000 + position,
  };
}

for (const transport of transports('the dispatcher test')) {
  describe(`dispatcher on ${transport}`, () => {
    let bus: Awaited<ReturnType<typeof createTestBus>>;

    before(async () => {
      bus = await createTestBus({ transport });
    });
    after(async () => bus.destroy());

    async function deadLetters(): Promise<DeadLetter[]> {
      const letters: DeadLetter[] = [];
      await bus.readHistory(bus.subjects.deadLetter, { from: 'all' }, async (ms) => void letters.push(...ms.map(decodeDeadLetter)));
      return letters;
    }

    test('the dispatcher gives each subscriber only its declared event types, in log order; bad messages go to dead letters', async () => {
      const types = ['OrderCreated', 'OrderStatusUpdated', 'OrderCanceled', 'CustomerRegistered'];
      const events = Array.from({ length: 200 }, (_, i) => event(i + 1, types[(i * 7) % types.length]!));
      const messages = events.map((e) => ({ data: encodeEvent(e), msgId: e.eventId }));
      // A message that is not an envelope, in the middle of the log.
      messages.splice(100, 0, { data: Buffer.from('not a protobuf envelope \u0000\u00ff'), msgId: 'junk-1' });
      await bus.publishBatch(bus.subjects.events, messages);

      const dispatcher = new Dispatcher({
        bus,
        routes: [
          { name: 'created', eventTypes: ['OrderCreated'] },
          { name: 'lifecycle', eventTypes: ['OrderStatusUpdated', 'OrderCanceled'] },
        ],
        logger,
      });
      await dispatcher.start();
      const received = new Map<string, RecordedEvent[]>([['created', []], ['lifecycle', []]]);
      const subscriptions = await Promise.all(
        [...received.keys()].map((name) =>
          subscribeToEvents(bus, bus.subjects.dispatch(name), { durable: `sub-${name}`, logger }, async (e) => void received.get(name)!.push(e)),
        ),
      );
      const expected = (wanted: string[]) => events.filter((e) => wanted.includes(e.eventType)).map((e) => e.eventId);
      // Markers after the log: once each has reached its subscriber, everything the dispatcher routed
      // before it has been delivered (strict order), so a duplicate would already show.
      const markers = [event(201, 'OrderCreated'), event(202, 'OrderCanceled')];
      await bus.publishBatch(bus.subjects.events, markers.map((e) => ({ data: encodeEvent(e), msgId: e.eventId })));
      const ids = (name: string) => received.get(name)!.map((e) => e.eventId);
      await waitUntil(
        () => ids('created').includes(markers[0]!.eventId) && ids('lifecycle').includes(markers[1]!.eventId),
        'both subscribers got their events and the markers behind them',
      );
      assert.deepEqual(ids('created'), [...expected(['OrderCreated']), markers[0]!.eventId]);
      assert.deepEqual(ids('lifecycle'), [...expected(['OrderStatusUpdated', 'OrderCanceled']), markers[1]!.eventId]);

      const letters = await deadLetters();
      assert.equal(letters.length, 1);
      assert.equal(letters[0]!.consumer, 'dispatcher');
      assert.equal(letters[0]!.sequence, 101);
      assert.match(letters[0]!.reason, /EventEnvelope|decode|invalid/i);
      assert.equal(Buffer.from(letters[0]!.data, 'base64').toString(), 'not a protobuf envelope \u0000\u00ff');

      await dispatcher.stop();
      for (const s of subscriptions) await s.unsubscribe();
    });
  });
}
