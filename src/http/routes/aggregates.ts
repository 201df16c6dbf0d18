import type { FastifyInstance } from 'fastify';
import type { EventStore } from '../../store/event-store.ts';
import { eventViewSchema, toEventView } from '../event-view.ts';
import type { AggregatePort } from '../ports.ts';
import { aggregateIdParams, errorSchema } from '../schemas.ts';

const MAX_PAGE = 1_000;

export function registerAggregateRoutes(app: FastifyInstance, store: EventStore, aggregates: AggregatePort): void {
  app.get<{ Params: { id: string }; Querystring: { fromVersion: number; limit: number } }>(
    '/aggregates/:id/events',
    {
      schema: {
        summary: "An aggregate's events, in version order",
        description: 'JSON payloads come decoded in `data`; other content types as `dataBase64`. Page with fromVersion.',
        tags: ['aggregates'],
        params: aggregateIdParams,
        querystring: {
          type: 'object',
          properties: {
            fromVersion: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 1 },
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: MAX_PAGE },
          },
        },
        response: {
          400: errorSchema,
          200: {
            type: 'object',
            properties: {
              aggregateId: { type: 'string' },
              events: { type: 'array', items: eventViewSchema },
              nextFromVersion: { type: 'integer', description: 'present when there may be more events' },
            },
          },
        },
      },
    },
    async (request) => {
      const { fromVersion, limit } = request.query;
      const events = await store.readStream(request.params.id, { fromVersion, limit });
      const last = events.at(-1);
      return {
        aggregateId: request.params.id,
        events: events.map(toEventView),
        ...(events.length === limit && last ? { nextFromVersion: last.eventVersion + 1 } : {}),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/aggregates/:id',
    {
      schema: {
        summary: "An aggregate's current state, folded from its events",
        tags: ['aggregates'],
        params: aggregateIdParams,
        response: {
          200: {
            type: 'object',
            properties: {
              aggregateId: { type: 'string' },
              aggregateType: { type: 'string' },
              version: { type: 'integer' },
              state: {},
            },
          },
          400: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const aggregate = await aggregates.load(request.params.id);
      if (!aggregate) return reply.code(404).send({ error: 'not_found', message: `no aggregate "${request.params.id}"` });
      return { aggregateId: request.params.id, ...aggregate };
    },
  );
}
