import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toResponse, type ErrorBody } from './error-handler.ts';
import { MAX_PARAM_LENGTH } from './schemas.ts';

/**
 * Errors raised before a request reaches a route: the router's (a path parameter too long, a URL
 * that does not decode) and the connection's (a request too slow, headers too large). They answer
 * in the API's one error shape, {error, message}, like every route.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const { status, body } = frameworkError(error);
  return reply.code(status).send(body);
}

function frameworkError(error: FastifyError): { status: number; body: ErrorBody } {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, body: { error: 'uri_too_long', message: `a path parameter is over ${MAX_PARAM_LENGTH} characters` } };
    case 'FST_ERR_BAD_URL':
      return { status: 400, body: { error: 'invalid_request', message: 'the URL path is not validly percent-encoded' } };
    default:
      return toResponse(error);
  }
}

const CLIENT_ERRORS: Record<string, { status: number; body: ErrorBody }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    body: { error: 'request_timeout', message: 'the request did not arrive in time; the connection is closed' },
  },
  HPE_HEADER_OVERFLOW: { status: 431, body: { error: 'headers_too_large', message: 'the request headers are too large' } },
};
const MALFORMED = { status: 400, body: { error: 'invalid_request', message: 'malformed HTTP request' } };

/**
 * Node's 'clientError': the request could not be read. Answers and closes the connection. Logs
 * the error's code only: the parser's error carries the raw bytes read, which hold the request
 * line with its query string and the Authorization header.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
  this.log.debug({ code: error.code, status }, 'client error');
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy();
}

/** The request line of a log entry, with its query string redacted. */
export function redactQuery(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[redacted]`;
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Serializers for fastify's request log lines: fastify's own, minus the query string. */
export const requestLogSerializers = {
  req: (request: LoggedRequest) => ({
    method: request.method,
    url: redactQuery(request.url),
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }),
};
