import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export function registerOperationsRoutes(
  app: FastifyInstance,
  deps: { metrics: Registry; status: () => Promise<unknown> },
): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
    const text = await deps.metrics.metrics();
    return reply.type(deps.metrics.contentType).send(text);
  });

  app.get(
    '/status',
    {
      schema: {
        summary: 'Queue depth, parked backlog, relay position and lag, subscription lag',
        tags: ['operations'],
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async () => deps.status(),
  );
}
