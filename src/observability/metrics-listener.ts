import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { registerBearerAuth } from '../http/auth.ts';

/**
 * /metrics (and /healthz) for a process without the HTTP API: a worker, relay, dispatcher or
 * projector. The same token rule as the API: with API_TOKEN set, /metrics needs it.
 */
export async function serveMetrics(
  registry: Registry,
  options: { host: string; port: number; apiToken: string | undefined },
): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify();
  registerBearerAuth(app, options.apiToken);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
