import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Routes anyone may call: a load balancer's liveness probe carries no token. */
const PUBLIC_ROUTES = new Set(['/healthz']);

/**
 * With a token configured, every route but /healthz requires `Authorization: Bearer <token>`,
 * Bull Board and the docs included (they reveal command payloads and the API's surface).
 * The hook runs on every request, before routing decisions of plugins, so a route added later
 * by any plugin is protected too.
 */
export function registerBearerAuth(app: FastifyInstance, token: string | undefined): void {
  if (!token) return;
  const expected = digest(token);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (PUBLIC_ROUTES.has(pathOf(request.url))) return;
    if (matches(request.headers.authorization, expected)) return;
    reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="eventstore"')
      .send({ error: 'unauthorized', message: 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)' });
    return reply;
  });
}

/** True when a server bound to `host` is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function matches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  // Comparing fixed-length digests keeps the comparison constant-time whatever the length sent.
  return timingSafeEqual(digest(match[1]), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
