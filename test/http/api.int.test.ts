import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type EventBus } from '../../src/bus/event-bus.ts';
import { createEventBus } from '../../src/bus/connect.ts';
import { ROLES } from '../../src/runtime/roles.ts';
import { loadConfig } from '../../src/config/env.ts';
import { decodeOutcome, encodeCommand } from '../../src/envelope/codec.ts';
import type { Projection } from '../../src/projections/projection.ts';
import { Projector } from '../../src/projections/projector.ts';
import { waitUntil } from '../support/wait.ts';
import { call, startSystem, type TestSystem } from './support.ts';

/** Small, so that a payload valid for its schema can still be over the limit. */
const MAX_COMMAND_BYTES = 200;

/** A projection that records the tracing ids each event reaches it with, over NATS. */
const tracingProjection: Projection = {
  name: 'tracing',
  eventTypes: ['OrderCreated', 'OrderStatusUpdated', 'OrderCanceled'],
  handle: async (event, tx) => {
    await tx.query('INSERT INTO tracing_seen (event_id, correlation_id, causation_id) VALUES ($1, $2, $3)', [
      event.eventId,
      event.metadata.correlationId ?? null,
      event.metadata.causationId ?? null,
    ]);
  },
};

describe('HTTP API end to end (server, workers, relay, dispatcher, projector in one process)', () => {
  let system: TestSystem;
  let api: (method: string, path: string, options?: Parameters<typeof call>[3]) => ReturnType<typeof call>;
  let bus: EventBus;
  let tracing: Projector;

  before(async () => {
    system = await startSystem(ROLES, { MAX_COMMAND_BYTES: String(MAX_COMMAND_BYTES) });
    api = (method, path, options) => call(system.baseUrl, method, path, options);
    await system.db.pool.query('CREATE TABLE tracing_seen (event_id uuid PRIMARY KEY, correlation_id text, causation_id text)');
    bus = await createEventBus(loadConfig(system.env), { clientName: 'tracing-test' });
    tracing = new Projector({ projection: tracingProjection, bus, pool: system.db.pool });
    await tracing.start();
  });
  after(async () => {
    await tracing.stop();
    await bus.close();
    await system.close();
  });

  const createOrder = (aggregateId: string, extra: object = {}) =>
    api('POST', '/commands', { body: { type: 'CreateOrder', aggregateId, payload: { customerId: 'c-1', total: 42.5 }, ...extra } });

  it('queues a command (202 with its id) and runs it: GET /commands/:id shows state and outcome', async () => {
    const sent = await createOrder(`order-${randomUUID()}`);
    assert.equal(sent.status, 202);
    assert.equal(sent.body.status, 'queued');
    assert.match(sent.body.commandId, /^[0-9a-f-]{36}$/);
    let status: any;
    await waitUntil(async () => {
      status = (await api('GET', `/commands/${sent.body.commandId}`)).body;
      return status.state === 'completed';
    }, 'the command completes');
    assert.equal(status.type, 'CreateOrder');
    assert.equal(status.outcome.status, 'accepted');
    assert.equal(status.outcome.version, 1);
  });

  it('answers with the outcome when asked to wait: 200 accepted, 422 domain rejection, 409 version conflict', async () => {
    const orderId = `order-${randomUUID()}`;
    const created = await createOrder(orderId, { wait: true });
    assert.equal(created.status, 200);
    assert.equal(created.body.status, 'accepted');
    assert.equal(created.body.version, 1);
    assert.equal(created.body.eventIds.length, 1);

    const cancelled = await api('POST', '/commands', { body: { type: 'CancelOrder', aggregateId: orderId, payload: { reason: 'x' }, wait: 5000 } });
    assert.equal(cancelled.status, 200);

    const rejected = await api('POST', '/commands', { body: { type: 'UpdateOrderStatus', aggregateId: orderId, payload: { status: 'paid' }, wait: true } });
    assert.equal(rejected.status, 422);
    assert.equal(rejected.body.status, 'rejected');
    assert.equal(rejected.body.code, 'domain');
    assert.match(rejected.body.reason, /cancel/);

    const conflict = await createOrder(orderId, { expectedVersion: 0, wait: true });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, 'concurrency');
    assert.equal(conflict.body.actualVersion, 2);
  });

  it('runs a command id once: the same id sent again gets the same outcome', async () => {
    const commandId = randomUUID();
    const orderId = `order-${randomUUID()}`;
    const first = await createOrder(orderId, { commandId, wait: true });
    const second = await createOrder(orderId, { commandId, wait: true });
    assert.equal(first.status, 200);
    assert.deepEqual(second.body, first.body);
    const events = await api('GET', `/aggregates/${orderId}/events`);
    assert.equal(events.body.events.length, 1);
  });

  it('answers 409 command_id_reused to a command id reused for another command, queued or not yet', async () => {
    const commandId = randomUUID();
    const orderId = `order-${randomUUID()}`;
    const first = await createOrder(orderId, { commandId, wait: true });
    assert.equal(first.status, 200);
    for (const extra of [{ payload: { customerId: 'c-2', total: 1 } }, { aggregateId: `other-${orderId}` }]) {
      const reused = await createOrder(orderId, { commandId, ...extra, wait: true });
      assert.equal(reused.status, 409, JSON.stringify(reused.body));
      assert.equal(reused.body.error, 'command_id_reused');
      assert.match(reused.body.message, new RegExp(commandId));
      assert.equal((await createOrder(orderId, { commandId, ...extra })).status, 409, 'without waiting too');
    }
    assert.deepEqual((await createOrder(orderId, { commandId, wait: true })).body, first.body, 'an identical resend still gets the first outcome');
  });

  it('refuses bad input with 400 and a readable reason, and queues nothing', async () => {
    const before = (await api('GET', '/status')).body.queue;
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'NoSuchCommand', aggregateId: 'o-1', payload: {} }, /unknown command type "NoSuchCommand"/],
      [{ type: 'CreateOrder', aggregateId: 'o-1', payload: { customerId: 'c', total: 'many' } }, /total/],
      [{ type: 'CreateOrder', aggregateId: 'o-1' }, /payload/],
      [{ type: 'CreateOrder', aggregateId: '', payload: { customerId: 'c', total: 1 } }, /aggregateId/],
      [{ type: 'CreateOrder', aggregateId: 'o\u0000-1', payload: { customerId: 'c', total: 1 } }, /aggregate id/i],
      [{ type: 'CreateOrder', aggregateId: 'o-1', payload: { customerId: 'c', total: 1 }, expectedVersion: -1 }, /expectedVersion/],
      [{ type: 'CreateOrder', aggregateId: 'o-1', payload: { customerId: 'c', total: 1 }, surprise: true }, /additional properties/],
      [{ type: 'CreateOrder', aggregateId: 'o-1', payload: { customerId: 'c', total: 1 }, commandId: 'has spaces' }, /command id/i],
      ['{"type": "CreateOrder", ', /JSON/],
    ];
    for (const [body, reason] of cases) {
      const response = await api('POST', '/commands', { body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(response.body.message, reason, JSON.stringify(body));
      assert.equal(typeof response.body.error, 'string');
      assert.ok(!JSON.stringify(response.body).includes('    at '), 'no stack trace');
    }
    assert.deepEqual((await api('GET', '/status')).body.queue, before, 'nothing was queued');
  });

  it('answers 413 over the size limit: a payload over MAX_COMMAND_BYTES, or a body far over it', async () => {
    const big = await api('POST', '/commands', {
      body: { type: 'CloseUserAccount', aggregateId: 'user-big', payload: { reason: 'x'.repeat(MAX_COMMAND_BYTES + 1) } },
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error, 'payload_too_large');
    assert.match(big.body.message, /over the limit of 200 bytes/);
    const huge = await createOrder('o-big', { payload: { customerId: 'x'.repeat(200 * 1024), total: 1 } });
    assert.equal(huge.status, 413);
    const unsupported = await api('POST', '/commands', { body: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(unsupported.status, 415);
  });

  it('takes protobuf command envelopes and answers with a protobuf outcome when asked', async () => {
    const orderId = `order-${randomUUID()}`;
    const envelope = encodeCommand({
      commandId: randomUUID(),
      commandType: 'CreateOrder',
      aggregateId: orderId,
      payload: Buffer.from(JSON.stringify({ customerId: 'c-pb', total: 7 })),
      contentType: 'application/json',
      metadata: { correlationId: 'corr-from-envelope' },
      issuedAt: new Date(),
    });
    const response = await fetch(`${system.baseUrl}/commands?wait=10000`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', accept: 'application/x-protobuf' },
      body: envelope,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/x-protobuf');
    const outcome = decodeOutcome(new Uint8Array(await response.arrayBuffer()));
    assert.equal(outcome.status, 'accepted');
    const events = await api('GET', `/aggregates/${orderId}/events`);
    assert.equal(events.body.events[0].metadata.correlationId, 'corr-from-envelope');

    const garbage = await fetch(`${system.baseUrl}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0xff, 0xff, 0xff]),
    });
    assert.equal(garbage.status, 400);
    assert.equal(((await garbage.json()) as { error: string }).error, 'invalid_envelope');
  });

  it('carries the correlation id from the request into the command, its events and the projections', async () => {
    const orderId = `order-${randomUUID()}`;
    const correlationId = `trace-${randomUUID()}`;
    const sent = await createOrder(orderId, { wait: true });
    assert.ok(sent.headers.get('x-correlation-id'), 'a correlation id is made when none is sent');
    const traced = await api('POST', '/commands', {
      body: { type: 'UpdateOrderStatus', aggregateId: orderId, payload: { status: 'shipped' }, wait: true },
      headers: { 'x-correlation-id': correlationId, 'x-causation-id': 'upstream-message-7' },
    });
    assert.equal(traced.status, 200);
    assert.equal(traced.headers.get('x-correlation-id'), correlationId);

    const { body } = await api('GET', `/aggregates/${orderId}/events`);
    assert.deepEqual(
      body.events.map((e: any) => [e.version, e.eventType]),
      [[1, 'OrderCreated'], [2, 'OrderStatusUpdated']],
    );
    const updated = body.events[1];
    assert.equal(updated.metadata.correlationId, correlationId);
    assert.equal(updated.metadata.causationId, traced.body.commandId, 'an event is caused by its command');
    assert.deepEqual(updated.data, { status: 'shipped' });
    assert.ok(updated.globalPosition > body.events[0].globalPosition);
    assert.equal(updated.contentType, 'application/json');

    const command = await api('GET', `/commands/${traced.body.commandId}`);
    assert.equal(command.body.state, 'completed');

    let seen: { correlation_id: string; causation_id: string } | undefined;
    await waitUntil(async () => {
      const { rows } = await system.db.pool.query('SELECT * FROM tracing_seen WHERE event_id = $1', [updated.eventId]);
      seen = rows[0];
      return seen !== undefined;
    }, 'the event reaches a projection over NATS');
    assert.equal(seen!.correlation_id, correlationId);
    assert.equal(seen!.causation_id, traced.body.commandId);
  });

  it('shows the current state, and the orders projection once the event got there', async () => {
    const orderId = `order-${randomUUID()}`;
    await createOrder(orderId, { wait: true });
    await api('POST', '/commands', { body: { type: 'UpdateOrderStatus', aggregateId: orderId, payload: { status: 'paid' }, wait: true } });
    const aggregate = await api('GET', `/aggregates/${orderId}`);
    assert.equal(aggregate.status, 200);
    assert.equal(aggregate.body.aggregateType, 'Order');
    assert.equal(aggregate.body.version, 2);
    assert.equal(aggregate.body.state.status, 'paid');

    let order: any;
    await waitUntil(async () => {
      order = await api('GET', `/projections/orders/${orderId}`);
      return order.status === 200 && order.body.version === 2;
    }, 'the orders projection catches up');
    assert.equal(order.body.status, 'paid');
    assert.equal(order.body.customerId, 'c-1');
    assert.equal(order.body.total, 42.5);
  });

  it('answers 404 for what does not exist', async () => {
    assert.equal((await api('GET', `/commands/${randomUUID()}`)).status, 404);
    assert.equal((await api('GET', '/aggregates/nobody')).status, 404);
    assert.deepEqual((await api('GET', '/aggregates/nobody/events')).body.events, []);
    assert.equal((await api('GET', '/projections/orders/nobody')).status, 404);
    assert.equal((await api('POST', '/aggregates/nobody/resume')).status, 409);
  });

  it('serves Prometheus metrics: command counts and latency, queue depth, backlog, relay and subscription lag', async () => {
    const orderId = `order-${randomUUID()}`;
    await createOrder(orderId, { wait: true });
    await api('POST', '/commands', { body: { type: 'CancelOrder', aggregateId: orderId, payload: { reason: 'x' }, wait: true } });
    const refused = await api('POST', '/commands', { body: { type: 'UpdateOrderStatus', aggregateId: orderId, payload: { status: 'paid' }, wait: true } });
    assert.equal(refused.status, 422);
    // An event the orders projection does not handle is no lag of it.
    const opened = await api('POST', '/commands', {
      body: { type: 'OpenUserAccount', aggregateId: `user-${randomUUID()}`, payload: { email: 'a@example.com' }, wait: true },
    });
    assert.equal(opened.status, 200);
    await waitUntil(async () => {
      const { relay, subscriptions } = (await api('GET', '/status')).body;
      return relay.lagEvents === 0 && subscriptions[0].lagEvents === 0;
    }, 'the relay and the orders projection catch up');
    const { status, body, headers } = await api('GET', '/metrics');
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /text\/plain/);
    const value = (pattern: RegExp) => Number(pattern.exec(body)?.[1]);
    assert.ok(value(/eventstore_commands_total\{type="CreateOrder",status="accepted"\} (\d+)/) >= 1);
    assert.ok(value(/eventstore_commands_total\{type="UpdateOrderStatus",status="rejected"\} (\d+)/) >= 1);
    assert.ok(value(/eventstore_command_duration_seconds_count\{type="CreateOrder",status="accepted"\} (\d+)/) >= 1);
    assert.ok(value(/eventstore_queue_jobs\{state="completed"\} (\d+)/) >= 1);
    for (const name of ['eventstore_parked_commands', 'eventstore_halted_aggregates', 'eventstore_relay_lag_events', 'eventstore_relay_lag_seconds']) {
      assert.match(body, new RegExp(`^${name} \\d`, 'm'), name);
    }
    assert.match(body, /^eventstore_subscription_lag_events\{subscription="orders"\} 0$/m);
    assert.match(body, /^eventstore_version_conflicts_total \d+/m);
  });

  it('publishes an OpenAPI document at /docs', async () => {
    const doc = await api('GET', '/docs/json');
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    for (const path of ['/commands', '/commands/{id}', '/aggregates/{id}/events', '/aggregates/{id}', '/projections/orders/{id}', '/readyz']) {
      assert.ok(doc.body.paths[path], `${path} is documented`);
    }
    assert.ok(doc.body.paths['/commands'].post.requestBody.content['application/x-protobuf']);
    const ui = await fetch(`${system.baseUrl}/docs`, { redirect: 'follow' });
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger/i);
  });
});
