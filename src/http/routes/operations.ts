import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { CommandPort } from '../ports.ts';
import { aggregateIdParams, errorSchema } from '../schemas.ts';

/** Most aggregates asked for in one page of GET /operations/aggregates. */
export const MAX_AGGREGATES_PAGE = 1_000;

export function registerOperationsRoutes(
  app: FastifyInstance,
  deps: { metrics: Registry; status: () => Promise<unknown>; commands: CommandPort },
): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
    const text = await deps.metrics.metrics();
    return reply.type(deps.metrics.contentType).send(text);
  });

  app.get(
    '/status',
    {
      schema: {
        summary: 'Queue depth, gate backlog, relay position and lag, subscription lag',
        tags: ['operations'],
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async () => deps.status(),
  );

  app.get(
    '/operations/halted-aggregates',
    {
      schema: {
        summary: 'Aggregates halted after a failed command (failure policy "halt"), waiting for an operator',
        tags: ['operations'],
        response: { 200: { type: 'object', properties: { halted: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
      },
    },
    async () => ({ halted: await deps.commands.haltedAggregates() }),
  );

  app.get<{ Querystring: { cursor?: string; limit?: number } }>(
    '/operations/aggregates',
    {
      schema: {
        summary: 'Aggregates with queued commands, paged: how many, the oldest one\'s age, the head command and its worker',
        description:
          'Follow `nextCursor` until it is absent. A page holds about `limit` aggregates (a hint). An aggregate queued ' +
          'throughout is listed at least once. The first page also lists every halted aggregate with the failure ' +
          'that halted it, queued commands or not.',
        tags: ['operations'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            cursor: { type: 'string', pattern: '^[0-9]{1,20}$', description: 'from the previous page; absent: the first page' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_AGGREGATES_PAGE, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              aggregates: { type: 'array', items: { type: 'object', additionalProperties: true } },
              nextCursor: { type: 'string' },
              halted: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          400: errorSchema,
        },
      },
    },
    async (request) => {
      const cursor = request.query.cursor ?? '0';
      const page = await deps.commands.listAggregates!(cursor, request.query.limit ?? 100);
      const now = Date.now();
      const aggregates = page.aggregates.map((aggregate) => ({
        ...aggregate,
        oldestQueuedAgeSeconds: aggregate.oldestQueuedAt === undefined ? undefined : Math.max(0, (now - aggregate.oldestQueuedAt) / 1000),
      }));
      return {
        aggregates,
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
        ...(cursor === '0' ? { halted: await deps.commands.haltedAggregates() } : {}),
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/aggregates/:id/resume',
    {
      schema: {
        summary: "Resume a halted aggregate: its queued commands run again, in their order",
        tags: ['operations'],
        params: aggregateIdParams,
        response: { 200: { type: 'object', properties: { aggregateId: { type: 'string' }, resumed: { type: 'boolean' } } }, 400: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      await deps.commands.resumeAggregate(request.params.id);
      request.log.warn({ aggregateId: request.params.id }, 'aggregate resumed by an operator');
      return { aggregateId: request.params.id, resumed: true };
    },
  );
}
