import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { EventMetadata } from '../store/types.ts';

/**
 * The correlation id names a whole conversation: taken from the caller's X-Correlation-Id when it
 * sends a sane one, else made here. It is the request id of every log line of the request, it is
 * echoed in the response, and it goes into the command's metadata, from where the worker copies
 * it into the events and the projections see it.
 */
export const CORRELATION_HEADER = 'x-correlation-id';
export const CAUSATION_HEADER = 'x-causation-id';

const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function correlationIdOf(request: IncomingMessage): string {
  const sent = request.headers[CORRELATION_HEADER];
  return typeof sent === 'string' && SAFE_ID.test(sent) ? sent : randomUUID();
}

/** Tracing metadata for a command sent by this request. */
export function metadataOf(request: FastifyRequest): EventMetadata {
  const causation = request.headers[CAUSATION_HEADER];
  return {
    correlationId: request.id,
    ...(typeof causation === 'string' && SAFE_ID.test(causation) ? { causationId: causation } : {}),
  };
}
