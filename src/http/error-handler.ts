import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { ConcurrencyError, EventStoreError, InvalidInputError, PayloadTooLargeError } from '../errors.ts';

/** What every error response looks like: a stable code and a sentence for a human. */
export interface ErrorBody {
  error: string;
  message: string;
}

/**
 * Maps errors to HTTP answers. Typed errors of this package keep their code and message (they are
 * written for the caller); anything else is a 500 with a generic message: stack traces, SQL and
 * connection strings stay in the server's log.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = toResponse(error, requestContext(request));
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error, reason: body.message }, 'request refused');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

/** What an answer to a refused request can tell about the route: its body limit and media types. */
export interface RequestContext {
  bodyLimit?: number;
  mediaTypes?: string[];
}

function requestContext(request: FastifyRequest): RequestContext {
  const options = request.routeOptions;
  const content = (options.schema?.body as { content?: Record<string, unknown> } | undefined)?.content;
  return { bodyLimit: options.bodyLimit, mediaTypes: content ? Object.keys(content) : ['application/json'] };
}

export function toResponse(error: FastifyError | Error, context: RequestContext = {}): { status: number; body: ErrorBody } {
  if (error instanceof EventStoreError) {
    const { status, show } = statusOf(error);
    return show ? { status, body: { error: error.code, message: error.message } } : internal();
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return { status: 400, body: { error: 'invalid_request', message: validationMessage(error.message, fastifyError.validation) } };
  }
  // Fastify's own client errors (body too large, bad JSON, unsupported media type) are safe to show.
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, body: { error: CLIENT_ERROR_CODES[status] ?? 'bad_request', message: clientErrorMessage(fastifyError, context) } };
  }
  return internal();
}

/**
 * Ajv's message for an unknown field ("body must NOT have additional properties") does not say
 * which field: the name is in the error's params.
 */
function validationMessage(message: string, validation: NonNullable<FastifyError['validation']>): string {
  const unknown = validation
    .map((issue) => (issue.keyword === 'additionalProperties' ? (issue.params as { additionalProperty?: unknown }).additionalProperty : undefined))
    .filter((name): name is string => typeof name === 'string');
  return unknown.length === 0 ? message : `${message}: unknown field ${unknown.map((name) => `"${name}"`).join(', ')}`;
}

function clientErrorMessage(error: FastifyError, context: RequestContext): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && context.bodyLimit !== undefined) {
    return `the request body is over the limit of ${context.bodyLimit} bytes`;
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' && context.mediaTypes?.length) {
    return `${error.message}; accepted: ${context.mediaTypes.join(', ')}`;
  }
  return error.message;
}

function internal(): { status: number; body: ErrorBody } {
  return { status: 500, body: { error: 'internal', message: 'internal error; the server log has the details' } };
}

const CLIENT_ERROR_CODES: Record<number, string> = {
  400: 'invalid_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Status of the package's errors by code (they cross module boundaries by code). Their messages
 * are written for the caller, so they are shown whatever the status.
 */
const STATUS_BY_CODE: Record<string, number> = {
  domain: 422,
  aggregate_type_mismatch: 409,
  duplicate_command: 409,
  command_id_reused: 409,
  aggregate_not_halted: 409,
  // Failed for good without a decision (retries exhausted, malformed job): the reason is the
  // command's result, also visible in Bull Board.
  command_failed: 502,
  // The server is stopping while the request waited for an outcome; the command stays queued.
  client_closed: 503,
};

function statusOf(error: EventStoreError): { status: number; show: boolean } {
  if (error instanceof PayloadTooLargeError) return { status: 413, show: true };
  if (error instanceof ConcurrencyError) return { status: 409, show: true };
  const byCode = STATUS_BY_CODE[error.code];
  if (byCode !== undefined) return { status: byCode, show: true };
  if (error instanceof InvalidInputError) return { status: 400, show: true };
  return { status: 500, show: false };
}
