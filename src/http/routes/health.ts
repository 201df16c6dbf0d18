import type { FastifyInstance } from 'fastify';
import { checkReadiness, type ReadinessProbe } from '../readiness.ts';

export function registerHealthRoutes(app: FastifyInstance, probes: readonly ReadinessProbe[]): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is up (no token needed)',
        tags: ['health'],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  const report = {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ready', 'unavailable'] },
      checks: { type: 'object', additionalProperties: { type: 'string' } },
      warnings: { type: 'object', additionalProperties: { type: 'string' } },
    },
  } as const;
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Redis, PostgreSQL and NATS answer',
        description:
          '503 names each dependency that does not answer, with the reason. `warnings` names what an operator ' +
          'should know without making the API unready: `workers` when no worker consumes the command queue.',
        tags: ['health'],
        response: { 200: report, 503: report },
      },
    },
    async (_request, reply) => {
      const { ready, checks, warnings } = await checkReadiness(probes);
      const warned = Object.keys(warnings).length > 0 ? { warnings } : {};
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks, ...warned });
    },
  );
}
