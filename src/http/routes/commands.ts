import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeCommand, encodeOutcome, type CommandOutcome } from '../../envelope/codec.ts';
import { InvalidInputError } from '../../errors.ts';
import { metadataOf } from '../correlation.ts';
import type { CommandPort, CommandRequest } from '../ports.ts';
import { MAX_AGGREGATE_ID_LENGTH } from '../../store/validation.ts';
import { commandIdParams, errorSchema, MAX_COMMAND_ID_LENGTH } from '../schemas.ts';
import { exactJsonTypes } from '../strict-body.ts';

export const PROTOBUF = 'application/x-protobuf';
/** How long a request that asks to wait may hold the connection. */
export const MAX_WAIT_MS = 60_000;
const DEFAULT_WAIT_MS = 10_000;

interface CommandBody {
  commandId?: string;
  type: string;
  aggregateId: string;
  payload: unknown;
  expectedVersion?: number;
  wait?: boolean | number;
}

export const commandBodySchema = {
  type: 'object',
  required: ['type', 'aggregateId', 'payload'],
  additionalProperties: false,
  properties: {
    commandId: { type: 'string', minLength: 1, maxLength: MAX_COMMAND_ID_LENGTH, description: 'idempotency key; generated when absent' },
    type: { type: 'string', minLength: 1, maxLength: 128, examples: ['CreateOrder'] },
    aggregateId: { type: 'string', minLength: 1, maxLength: MAX_AGGREGATE_ID_LENGTH, examples: ['order-1'] },
    payload: { type: 'object', examples: [{ customerId: 'c-1', total: 42 }] },
    expectedVersion: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: '0: the aggregate must not exist yet' },
    wait: {
      anyOf: [{ type: 'boolean' }, { type: 'integer', minimum: 1, maximum: MAX_WAIT_MS }],
      description: `answer with the outcome: true waits up to ${DEFAULT_WAIT_MS} ms, a number that many ms`,
    },
  },
} as const;

const outcomeSchema = {
  type: 'object',
  properties: {
    commandId: { type: 'string' },
    aggregateId: { type: 'string' },
    status: { type: 'string', enum: ['accepted', 'rejected'] },
    version: { type: 'integer' },
    eventIds: { type: 'array', items: { type: 'string' } },
    code: { type: 'string' },
    reason: { type: 'string' },
    actualVersion: { type: 'integer' },
  },
} as const;

const queuedSchema = {
  type: 'object',
  properties: { commandId: { type: 'string' }, aggregateId: { type: 'string' }, status: { type: 'string', enum: ['queued'] }, message: { type: 'string' } },
} as const;

/** 409 and 422 carry either an outcome (the command ran) or an error (it was refused before). */
const refusalSchema = {
  type: 'object',
  properties: { ...outcomeSchema.properties, ...errorSchema.properties },
} as const;

export function registerCommandRoutes(app: FastifyInstance, commands: CommandPort): void {
  // Protobuf producers send the CommandEnvelope of proto/eventstore/v1/envelope.proto as the body.
  app.addContentTypeParser(PROTOBUF, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post<{ Body: CommandBody | Buffer; Querystring: { wait?: number } }>(
    '/commands',
    {
      preValidation: exactJsonTypes(commandBodySchema.properties),
      schema: {
        summary: 'Queue a command',
        description:
          'Queues a command for its aggregate. 202 with the command id once it is durably queued; with `wait`, ' +
          'the outcome: 200 accepted, 409 expected-version conflict, 422 domain rejection. Also accepts ' +
          `\`${PROTOBUF}\` (a CommandEnvelope; use the wait query parameter).`,
        tags: ['commands'],
        querystring: {
          type: 'object',
          properties: { wait: { type: 'integer', minimum: 1, maximum: MAX_WAIT_MS, description: 'wait up to this many ms' } },
        },
        body: {
          content: {
            'application/json': { schema: commandBodySchema },
            // Checked by the envelope's decoder instead.
            [PROTOBUF]: { schema: { description: 'a CommandEnvelope (proto/eventstore/v1/envelope.proto)' } },
          },
        },
        response: {
          200: { description: 'the command ran and was accepted (with wait)', ...outcomeSchema },
          202: { description: 'queued durably; with wait, no outcome came in time', ...queuedSchema },
          400: { ...errorSchema, description: 'malformed request, unknown command type, or a payload its schema refuses' },
          409: { description: 'expected-version conflict (an outcome, with wait), or a command id reused', ...refusalSchema },
          413: { ...errorSchema, description: 'body or payload over the size limit' },
          415: { ...errorSchema, description: 'neither application/json nor application/x-protobuf' },
          422: { description: 'the aggregate refused the command (an outcome with code and reason, with wait)', ...refusalSchema },
          502: { ...errorSchema, description: 'the command failed for good without a decision (with wait)' },
          503: { ...errorSchema, description: 'the server stopped while waiting; the command stays queued' },
        },
      },
    },
    async (request, reply) => {
      const { command, waitMs } = readCommand(request);
      // At debug: one line per command at info would drown everything else (the worker logs outcomes).
      const logCommand = (commandId: string, what: string, extra: object = {}) =>
        request.log.debug({ commandId, aggregateId: command.aggregateId, commandType: command.type, ...extra }, what);
      if (waitMs === undefined) {
        const { commandId } = await commands.send(command);
        logCommand(commandId, 'command queued');
        return reply.code(202).send({ commandId, aggregateId: command.aggregateId, status: 'queued' });
      }
      // The id is fixed here so that a wait that times out can still answer with it.
      const commandId = command.commandId ?? randomUUID();
      try {
        const outcome = await commands.sendAndWait({ ...command, commandId }, { timeoutMs: waitMs });
        logCommand(commandId, 'command finished', { status: outcome.status, ...(outcome.status === 'rejected' ? { code: outcome.code } : {}) });
        return sendOutcome(request, reply, outcome);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'command_timeout') throw error;
        return reply.code(202).send({ commandId, aggregateId: command.aggregateId, status: 'queued', message: `no outcome within ${waitMs} ms; it stays queued` });
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/commands/:id',
    {
      schema: {
        summary: 'State and outcome of a command',
        tags: ['commands'],
        params: commandIdParams,
        response: {
          200: {
            type: 'object',
            properties: {
              commandId: { type: 'string' },
              type: { type: 'string' },
              aggregateId: { type: 'string' },
              state: { type: 'string' },
              attempts: { type: 'integer' },
              outcome: outcomeSchema,
              failedReason: { type: 'string' },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const status = await commands.getCommand(request.params.id);
      if (!status) return reply.code(404).send({ error: 'not_found', message: `no command "${request.params.id}"` });
      return status;
    },
  );
}

function readCommand(request: FastifyRequest<{ Body: CommandBody | Buffer; Querystring: { wait?: number } }>): {
  command: CommandRequest;
  waitMs: number | undefined;
} {
  const metadata = metadataOf(request);
  if (Buffer.isBuffer(request.body)) {
    const envelope = decodeCommand(request.body);
    return {
      command: {
        ...(envelope.commandId ? { commandId: envelope.commandId } : {}),
        type: envelope.commandType,
        aggregateId: envelope.aggregateId,
        payload: parsePayload(envelope.payload, envelope.contentType),
        ...(envelope.expectedVersion === undefined ? {} : { expectedVersion: envelope.expectedVersion }),
        // The envelope's own tracing ids win: a protobuf producer set them on purpose.
        metadata: { ...metadata, ...envelope.metadata },
      },
      waitMs: request.query.wait,
    };
  }
  const { wait, ...body } = request.body;
  const waitMs = request.query.wait ?? (wait === true ? DEFAULT_WAIT_MS : typeof wait === 'number' ? wait : undefined);
  return { command: { ...body, metadata }, waitMs };
}

/** Command payloads are JSON documents, also inside a protobuf envelope. */
function parsePayload(payload: Uint8Array, contentType: string): unknown {
  if (!contentType.toLowerCase().startsWith('application/json')) {
    throw new InvalidInputError(`CommandEnvelope.content_type "${contentType}" is not supported: send application/json`);
  }
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (cause) {
    throw new InvalidInputError('CommandEnvelope.payload is not valid JSON', { cause });
  }
}

function sendOutcome(request: FastifyRequest, reply: FastifyReply, outcome: CommandOutcome) {
  const status = outcome.status === 'accepted' ? 200 : outcome.code === 'concurrency' ? 409 : 422;
  reply.code(status);
  if (request.headers.accept?.includes(PROTOBUF)) {
    return reply.type(PROTOBUF).send(Buffer.from(encodeOutcome(outcome)));
  }
  return reply.send(outcome);
}
