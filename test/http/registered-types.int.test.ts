import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exampleDomain } from '../../examples/orders/domain/index.ts';
import { ROLES } from '../../src/runtime/roles.ts';
import { MAX_QUERY_LIMIT } from '../../src/projections/projection.ts';
import { MAX_AGGREGATE_ID_LENGTH } from '../../src/store/validation.ts';
import { waitUntil } from '../support/wait.ts';
import { call, startSystem, type TestSystem } from './support.ts';

/** One valid command of each registered type, in an order the domain accepts. */
function oneOfEach(orderId: string, userId: string) {
  return [
    { type: 'CreateOrder', aggregateId: orderId, payload: { customerId: 'c-each', total: 12.5 } },
    { type: 'UpdateOrderStatus', aggregateId: orderId, payload: { status: 'paid' } },
    { type: 'CancelOrder', aggregateId: orderId, payload: { reason: 'changed my mind' } },
    { type: 'OpenUserAccount', aggregateId: userId, payload: { email: 'first.last+tag@example.co.uk' } },
    { type: 'CloseUserAccount', aggregateId: userId, payload: { reason: 'moving away' } },
  ];
}

describe('the HTTP API serves the registered command types and projections', () => {
  let system: TestSystem;
  let api: (method: string, path: string, options?: Parameters<typeof call>[3]) => ReturnType<typeof call>;

  before(async () => {
    system = await startSystem(ROLES);
    api = (method, path, options) => call(system.baseUrl, method, path, options);
  });
  after(() => system.close());

  const createOrder = (aggregateId: string, customerId = 'c-1') =>
    api('POST', '/commands', { body: { type: 'CreateOrder', aggregateId, payload: { customerId, total: 3 }, wait: true } });

  it('documents POST /commands from the registry: every command type in the enum, each with its payload schema', async () => {
    const { body: doc } = await api('GET', '/docs/json');
    const schemas = doc.components.schemas;
    const types = exampleDomain.commandTypes();
    assert.deepEqual([...schemas.CommandType.enum].sort(), [...types].sort());

    const body = doc.paths['/commands'].post.requestBody.content['application/json'].schema;
    const refs = body.oneOf.map((variant: { $ref: string }) => variant.$ref);
    assert.deepEqual(refs.sort(), types.map((type) => `#/components/schemas/${type}Command`).sort());
    assert.equal(body.discriminator.propertyName, 'type');
    for (const type of types) {
      const variant = schemas[`${type}Command`];
      assert.deepEqual(variant.properties.type.enum, [type]);
      assert.deepEqual(variant.required, ['type', 'aggregateId', 'payload']);
      assert.equal(variant.properties.payload.type, 'object', type);
    }
    const createOrder = schemas.CreateOrderCommand.properties.payload;
    assert.deepEqual(createOrder.required, ['customerId', 'total']);
    assert.equal(createOrder.properties.total.type, 'number');
    assert.equal(createOrder.additionalProperties, false);
    assert.deepEqual(schemas.UpdateOrderStatusCommand.properties.payload.properties.status.enum, ['pending', 'paid', 'shipped', 'delivered']);

    const responses = doc.paths['/commands'].post.responses;
    for (const status of ['200', '202', '400', '409', '413', '415', '422']) {
      assert.ok(responses[status]?.content?.['application/json']?.schema, `${status} is documented with its body`);
    }

    const byCustomer = doc.paths['/projections/orders/queries/byCustomer'].get;
    assert.deepEqual(byCustomer.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(), ['query:customerId', 'query:limit']);
    assert.ok(doc.paths['/projections/orders/{id}'].get);
    assert.ok(!Object.keys(doc.paths).some((path) => path.includes('{name}')), 'the catch-all routes stay out of the document');
  });

  it('accepts a command of each registered type', async () => {
    const commands = oneOfEach(`order-${randomUUID()}`, `user-${randomUUID()}`);
    assert.deepEqual(commands.map((c) => c.type).sort(), exampleDomain.commandTypes().sort(), 'every registered type is sent');
    for (const command of commands) {
      const answer = await api('POST', '/commands', { body: { ...command, wait: true } });
      assert.equal(answer.status, 200, `${command.type}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.status, 'accepted');
    }
  });

  it("serves a projection's rows by id and its declared queries, bounded by limit", async () => {
    const customerId = `customer-${randomUUID()}`;
    const orderIds = [1, 2, 3].map((i) => `order-${i}-${randomUUID()}`);
    for (const orderId of orderIds) assert.equal((await createOrder(orderId, customerId)).status, 200);

    const byCustomer = (query = '') => api('GET', `/projections/orders/queries/byCustomer?customerId=${customerId}${query}`);
    await waitUntil(async () => (await byCustomer()).body.items?.length === 3, 'the three orders are projected');
    const all = await byCustomer();
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.items.map((o: { orderId: string }) => o.orderId).sort(), [...orderIds].sort());
    assert.ok(all.body.items.every((o: { customerId: string }) => o.customerId === customerId));
    const two = await byCustomer('&limit=2');
    assert.equal(two.body.items.length, 2);
    assert.equal(two.body.limit, 2);

    const one = await api('GET', `/projections/orders/${orderIds[0]}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.orderId, orderIds[0]);
    assert.equal(one.body.customerId, customerId);
  });

  it('refuses bad query parameters with 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['', /customerId/],
      ['?customerId=', /customerId/],
      ['?customerId=c&limit=0', /limit/],
      [`?customerId=c&limit=${MAX_QUERY_LIMIT + 1}`, /limit/],
      ['?customerId=c&limit=many', /limit/],
      ['?customerId=c&surprise=1', /surprise/],
    ];
    for (const [query, parameter] of cases) {
      const answer = await api('GET', `/projections/orders/queries/byCustomer${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.error, 'invalid_query_parameter', query);
      assert.match(answer.body.message, parameter, query);
    }
  });

  it('answers 404 in the error shape for an unknown projection, query or row', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/projections/nope/some-id', /no projection "nope"/],
      ['/projections/nope/queries/byCustomer', /no projection "nope"/],
      ['/projections/orders/queries/nope', /projection orders has no query "nope"/],
      ['/projections/orders/no-such-order', /no row "no-such-order" in projection orders/],
    ];
    for (const [path, message] of cases) {
      const answer = await api('GET', path);
      assert.equal(answer.status, 404, path);
      assert.deepEqual(Object.keys(answer.body).sort(), ['error', 'message'], path);
      assert.equal(answer.body.error, 'not_found');
      assert.match(answer.body.message, message, path);
    }
  });

  it('reads back aggregates with ids as long as the API takes, ASCII or not', async () => {
    const unique = randomUUID().slice(0, 8);
    const ids = [
      `${unique}${'a'.repeat(MAX_AGGREGATE_ID_LENGTH - unique.length)}`,
      `${unique}${'é'.repeat(MAX_AGGREGATE_ID_LENGTH - unique.length)}`,
      // A '/' (encoded as %2F) and characters outside the BMP, two UTF-16 units each.
      `${unique}/${'😀'.repeat(Math.floor((MAX_AGGREGATE_ID_LENGTH - unique.length - 1) / 2))}`,
    ];
    for (const id of ids) {
      assert.ok(id.length <= MAX_AGGREGATE_ID_LENGTH && id.length >= MAX_AGGREGATE_ID_LENGTH - 1, `${id.length}`);
      assert.equal((await createOrder(id)).status, 200);
      const path = encodeURIComponent(id);
      const aggregate = await api('GET', `/aggregates/${path}`);
      assert.equal(aggregate.status, 200, JSON.stringify(aggregate.body));
      assert.equal(aggregate.body.aggregateId, id);
      const events = await api('GET', `/aggregates/${path}/events`);
      assert.equal(events.status, 200);
      assert.equal(events.body.events[0].aggregateId, id);
      await waitUntil(async () => (await api('GET', `/projections/orders/${path}`)).status === 200, 'the order is projected');
    }
  });

  it('refuses ids over the limit and out-of-range numbers with 400 or 414 in the error shape, never 500', async () => {
    const cases: Array<[string, number, RegExp]> = [
      [`/aggregates/${'a'.repeat(MAX_AGGREGATE_ID_LENGTH + 1)}`, 400, /200 characters/],
      [`/aggregates/${'a'.repeat(MAX_AGGREGATE_ID_LENGTH + 1)}/events`, 400, /200 characters/],
      [`/commands/${'c'.repeat(129)}`, 400, /128 characters/],
      [`/aggregates/${'a'.repeat(5_000)}`, 414, /path parameter/],
      [`/aggregates/${'%C3%A9'.repeat(1_000)}`, 414, /path parameter/],
      ['/aggregates/%E0%A4%A/events', 400, /percent-encoded/],
      ['/aggregates/order-1/events?fromVersion=99999999999999999999', 400, /fromVersion/],
      ['/aggregates/order-1/events?fromVersion=1.5', 400, /fromVersion/],
      ['/aggregates/order-1/events?fromVersion=0', 400, /fromVersion/],
      ['/aggregates/order-1/events?limit=99999999999999999999', 400, /limit/],
      ['/aggregates/order-1/events?limit=x', 400, /limit/],
    ];
    for (const [path, status, message] of cases) {
      const answer = await api('GET', path);
      assert.equal(answer.status, status, `${path.slice(0, 80)}: ${JSON.stringify(answer.body).slice(0, 200)}`);
      assert.deepEqual(Object.keys(answer.body).sort(), ['error', 'message'], path.slice(0, 80));
      assert.match(answer.body.message, message, path.slice(0, 80));
    }
  });
});
