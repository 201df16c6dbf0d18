import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { buildServer } from '../../src/http/server.ts';
import { defineProjection, defineQuery, MAX_QUERY_LIMIT } from '../../src/projections/projection.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { call, startTestServer, type TestServer } from './support.ts';

/** A projection with no `get`, and queries that test the API's side of the contract. */
const numbers = defineProjection({
  name: 'numbers',
  eventTypes: [],
  handle: async () => {},
  queries: {
    // Ignores its limit: the API must still answer with at most `limit` rows.
    greedy: defineQuery({
      description: 'more rows than asked for',
      run: async () => Array.from({ length: MAX_QUERY_LIMIT + 5 }, (_, n) => ({ n })),
    }),
    upTo: defineQuery({
      description: 'the numbers 1 to max',
      params: z.object({ max: z.coerce.number().int().min(1).max(50) }),
      run: async (_db, { max }, { limit }) => Array.from({ length: Math.min(max, limit) }, (_, i) => ({ n: i + 1 })),
    }),
  },
});

describe('projection routes: what the API adds to a projection\'s declared reads', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ projections: [numbers] });
  });
  after(() => server.close());

  it('answers 404 for rows of a projection that declares no get', async () => {
    const answer = await call(server.baseUrl, 'GET', '/projections/numbers/1');
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, { error: 'not_found', message: 'projection numbers serves no rows by id' });
  });

  it('passes the parsed parameters and the limit to the query', async () => {
    const answer = await call(server.baseUrl, 'GET', '/projections/numbers/queries/upTo?max=7&limit=5');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { items: [1, 2, 3, 4, 5].map((n) => ({ n })), limit: 5 });
    const refused = await call(server.baseUrl, 'GET', '/projections/numbers/queries/upTo?max=51');
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /^query parameter max: /);
  });

  it('never answers with more rows than the limit, even from a query that returns more', async () => {
    const byDefault = await call(server.baseUrl, 'GET', '/projections/numbers/queries/greedy');
    assert.equal(byDefault.body.items.length, 100);
    const most = await call(server.baseUrl, 'GET', `/projections/numbers/queries/greedy?limit=${MAX_QUERY_LIMIT}`);
    assert.equal(most.body.items.length, MAX_QUERY_LIMIT);
    assert.match(server.logs(), /projection query returned more rows than its limit/);
    const refused = await call(server.baseUrl, 'GET', '/projections/numbers/queries/greedy?other=1');
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /query parameter other: this query takes none but limit/);
  });

  it('refuses a query name that cannot be a path segment when the server is built', async () => {
    const bad = defineProjection({ name: 'bad', eventTypes: [], handle: async () => {}, queries: { 'by customer': { description: 'x', run: async () => [] } } });
    const store = new EventStore(server.db.pool);
    await assert.rejects(
      buildServer({
        logger: createLogger({ name: 'test', level: 'silent' }),
        apiToken: undefined,
        maxCommandBytes: 1024,
        bullBoardActions: false,
        store,
        commands: {} as never,
        aggregates: {} as never,
        registry: new CommandRegistry([]),
        projections: [bad],
        readDb: server.db.pool,
        queues: [],
        probes: [],
        metrics: new Metrics({ processMetrics: false }).registry,
        status: async () => ({}),
      }),
      (error: Error) => error instanceof InvalidInputError && /query name "by customer"/.test(error.message),
    );
  });
});
