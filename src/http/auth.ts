import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Routes anyone may call: a load balancer's liveness probe carries no token. */
const PUBLIC_ROUTES = new Set(['/healthz']);
/** Pages people open in a browser, which cannot send a bearer token: they also take Basic auth. */
const BROWSER_PREFIXES = ['/admin/queues', '/docs'];

/**
 * With a token configured, every route but /healthz requires `Authorization: Bearer <token>`,
 * Bull Board and the docs included (they reveal command payloads and the API's surface). Bull
 * Board and the docs also accept HTTP Basic auth with the token as password (any user name), so
 * a browser can open them: their 401 asks for it. The hook runs on every request, so a route
 * added later by any plugin is protected too.
 */
export function registerBearerAuth(app: FastifyInstance, token: string | undefined): void {
  if (!token) return;
  const expected = digest(token);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request.url);
    if (PUBLIC_ROUTES.has(path)) return;
    const browser = BROWSER_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
    if (matches(request.headers.authorization, expected, browser)) return;
    // The connection ends with the answer: a caller without the token gets nothing more from it,
    // and a body still on its way (slowly, maybe on purpose) is not waited for.
    reply
      .code(401)
      .header('connection', 'close')
      .header('www-authenticate', browser ? 'Basic realm="eventstore", charset="UTF-8"' : 'Bearer realm="eventstore"')
      .send({ error: 'unauthorized', message: 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)' });
    return reply;
  });
}

export { isLoopback } from '../config/env.ts';

function matches(header: string | undefined, expected: Buffer, allowBasic: boolean): boolean {
  const [scheme, credentials, ...rest] = (header ?? '').trim().split(/\s+/);
  if (!credentials || rest.length > 0) return false;
  if (/^bearer$/i.test(scheme!)) return equal(credentials, expected);
  if (allowBasic && /^basic$/i.test(scheme!)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon !== -1 && equal(decoded.slice(colon + 1), expected);
  }
  return false;
}

/** Comparing fixed-length digests keeps the comparison constant-time whatever the length sent. */
function equal(candidate: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(candidate), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
