import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { CommandPort } from '../ports.ts';
import { aggregateIdParams, errorSchema } from '../schemas.ts';

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
