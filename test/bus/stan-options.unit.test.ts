import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import stanClient from 'node-nats-streaming';
import { InvalidStartPositionError } from '../../src/bus/start-position.ts';
import { subscriptionOptions } from '../../src/bus/stan-bus.ts';

// A client object of node-nats-streaming 0.3.2, never connected (nothing listens on port 1): only
// its real subscriptionOptions() factory is used, to check what the STAN transport asks the server for.
const stan = stanClient.connect('test-cluster', 'options-test', { url: 'nats://127.0.0.1:1', reconnect: false, maxReconnectAttempts: 0 });
stan.on('error', () => {});
after(() => stan.close());

test('STAN subscriptions: manual acks, one in flight by default, ack wait rounded up to whole seconds of at least 1 s', () => {
  const strict = subscriptionOptions(stan, { durable: 'orders' });
  assert.equal(strict.manualAcks, true);
  assert.equal(strict.maxInFlight, 1);
  assert.equal(strict.ackWait, 30_000);
  assert.equal(strict.durableName, 'orders');
  assert.equal(subscriptionOptions(stan, { durable: 'a', ackWaitMs: 1500 }).ackWait, 2000);
  assert.equal(subscriptionOptions(stan, { durable: 'a', ackWaitMs: 200 }).ackWait, 1000);
  assert.equal(subscriptionOptions(stan, { durable: 'a', maxInFlight: 64 }).maxInFlight, 64);
});

test('STAN start positions map to the protocol: all, sequence, time (as a delta), delta, last received', () => {
  const { StartPosition } = stanClient;
  assert.equal(subscriptionOptions(stan, { durable: 'a' }).startPosition, StartPosition.FIRST);
  const bySequence = subscriptionOptions(stan, { durable: 'a', startAt: { from: 'sequence', sequence: 42 } });
  assert.equal(bySequence.startPosition, StartPosition.SEQUENCE_START);
  assert.equal(bySequence.startSequence, 42);
  const byTime = subscriptionOptions(stan, { durable: 'a', startAt: { from: 'time', time: new Date(Date.now() - 60_000) } });
  assert.equal(byTime.startPosition, StartPosition.TIME_DELTA_START);
  assert.ok(Math.abs(byTime.startTime! / 1e6 - 60_000) < 1000, 'the time becomes a delta in nanoseconds');
  const byDelta = subscriptionOptions(stan, { durable: 'a', startAt: { from: 'delta', ms: 30_000 } });
  assert.equal(byDelta.startPosition, StartPosition.TIME_DELTA_START);
  assert.equal(byDelta.startTime, 30_000 * 1e6);
  assert.equal(subscriptionOptions(stan, { durable: 'a', startAt: { from: 'last_received' } }).startPosition, StartPosition.LAST_RECEIVED);
  assert.throws(() => subscriptionOptions(stan, { durable: 'a', startAt: { from: 'sequence', sequence: 0 } }), InvalidStartPositionError);
});
