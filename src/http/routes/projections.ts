import type { FastifyInstance } from 'fastify';
import type { ProjectionPort } from '../ports.ts';
import { errorSchema, idParams } from '../schemas.ts';

export function registerProjectionRoutes(app: FastifyInstance, projections: ProjectionPort): void {
  app.get<{ Params: { id: string } }>(
    '/projections/orders/:id',
    {
      schema: {
        summary: 'An order as the orders projection (a read model) has it',
        description: 'Eventually consistent: it lags the event store by the relay and projector (see /metrics).',
        tags: ['projections'],
        params: idParams,
        response: { 200: { type: 'object', additionalProperties: true }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const order = await projections.getOrder(request.params.id);
      if (!order) return reply.code(404).send({ error: 'not_found', message: `no order "${request.params.id}" in the projection` });
      return order;
    },
  );
}
