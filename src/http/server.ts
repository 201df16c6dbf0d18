import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Queue } from 'bullmq';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { CommandRegistry } from '../commands/domain/registry.ts';
import type { Logger } from '../logger.ts';
import type { Projection } from '../projections/projection.ts';
import type { EventStore, Queryable } from '../store/event-store.ts';
import { isLoopback, registerBearerAuth } from './auth.ts';
import { BULL_BOARD_PATH, registerBullBoard } from './bull-board.ts';
import { CORRELATION_HEADER, correlationIdOf } from './correlation.ts';
import { commandComponents, withCommandDocs } from './command-docs.ts';
import { registerErrorHandler } from './error-handler.ts';
import { DebugRequestLog } from './request-log.ts';
import { clientErrorHandler, frameworkErrorHandler, requestLogSerializers } from './connection-errors.ts';
import type { AggregatePort, CommandPort } from './ports.ts';
import type { ReadinessProbe } from './readiness.ts';
import { registerAggregateRoutes } from './routes/aggregates.ts';
import { commandBodySchema, MAX_WAIT_MS, registerCommandRoutes } from './routes/commands.ts';
import { MAX_PARAM_LENGTH } from './schemas.ts';
import { registerStrictJsonParser } from './strict-body.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { checkProjectionNames, registerProjectionRoutes } from './routes/projections.ts';

export interface ServerDeps {
  logger: Logger;
  /** Bearer token every route but /healthz requires; undefined: no auth (loopback only, please). */
  apiToken: string | undefined;
  /** Largest command payload; the request body may be this plus the envelope's fields. */
  maxCommandBytes: number;
  bullBoardActions: boolean;
  store: EventStore;
  commands: CommandPort;
  aggregates: AggregatePort;
  /** The command types POST /commands takes, and their payload schemas for the OpenAPI document. */
  registry: CommandRegistry;
  /** Projections whose `get` and `queries` the API serves. */
  projections: ReadonlyMap<string, Projection> | readonly Projection[];
  /** The database the projections' tables are in; their reads run on it. */
  readDb: Queryable;
  /** Shown in Bull Board. */
  queues: readonly Queue[];
  probes: readonly ReadinessProbe[];
  /** Served at /metrics. */
  metrics: Registry;
  /** The system's state for `GET /status` and `eventstore status`. */
  status: () => Promise<unknown>;
  /** Defaults: DEFAULT_TIMEOUTS. */
  timeouts?: Partial<ServerTimeouts>;
}

/**
 * How long a client may take to send its request. They bound only the sending: the time a handler
 * then takes (a wait for an outcome, up to MAX_WAIT_MS) does not count.
 */
export interface ServerTimeouts {
  /** The whole request, headers and body, must have arrived within this (answer: 408). */
  requestMs: number;
  /** The headers must have arrived within this (at most requestMs). */
  headersMs: number;
  /** How often the server looks for requests over those limits, so a cut comes up to this late. */
  checkIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = { requestMs: 20_000, headersMs: 10_000, checkIntervalMs: 1_000 };

/**
 * A connection silent for this long is closed, whatever it is doing. Longer than the longest wait
 * for an outcome, during which the connection is silent on purpose. Between requests the shorter
 * keep-alive timeout applies (fastify's 72 s, above the 60 s idle timeout of common load balancers).
 */
export const IDLE_CONNECTION_MS = MAX_WAIT_MS + 15_000;

/** Room for the JSON or protobuf fields around a command's payload. */
const ENVELOPE_ALLOWANCE_BYTES = 64 * 1024;

/**
 * The HTTP API as a fastify instance, not listening yet: tests inject requests or listen on port
 * 0, the server role listens on HOST:PORT (see listen()).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const projections = [...deps.projections.values()];
  checkProjectionNames(projections); // before anything is started that would need closing
  const app = Fastify(fastifyOptions(deps, timeouts));
  registerErrorHandler(app);
  // Bodies are JSON or protobuf; anything else is refused with 415 instead of reaching a route.
  app.removeContentTypeParser('text/plain');
  registerStrictJsonParser(app);
  registerBearerAuth(app, deps.apiToken);
  // Answers finished while the server closes also close their connection: a kept-alive socket
  // would otherwise hold the close until its keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header(CORRELATION_HEADER, request.id);
    if (closing) reply.header('connection', 'close');
  });
  await registerDocs(app, deps, timeouts);

  registerHealthRoutes(app, deps.probes);
  registerCommandRoutes(app, deps.commands);
  registerAggregateRoutes(app, deps.store, deps.aggregates);
  registerProjectionRoutes(app, projections, deps.readDb);
  registerOperationsRoutes(app, { metrics: deps.metrics, status: deps.status, commands: deps.commands });
  await registerBullBoard(app, { queues: deps.queues, actions: deps.bullBoardActions, logger: deps.logger });
  return app;
}

function fastifyOptions(deps: ServerDeps, timeouts: ServerTimeouts) {
  return {
    // Request lines are logged without their query string: a token sent there is no less secret.
    loggerInstance: deps.logger.child({}, { serializers: requestLogSerializers }) as FastifyBaseLogger,
    genReqId: correlationIdOf,
    logController: new DebugRequestLog({ requestIdLogLabel: 'correlationId' }),
    bodyLimit: deps.maxCommandBytes + ENVELOPE_ALLOWANCE_BYTES,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: IDLE_CONNECTION_MS,
    // Node's own limits: it checks for requests over them every checkIntervalMs (default 30 s).
    http: {
      requestTimeout: timeouts.requestMs,
      headersTimeout: headersTimeoutOf(timeouts),
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Unknown fields are an error the caller should hear about, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  };
}

const headersTimeoutOf = (timeouts: ServerTimeouts) => Math.min(timeouts.headersMs, timeouts.requestMs);

/** The OpenAPI document (at /docs/json) and its UI (at /docs). */
async function registerDocs(app: FastifyInstance, deps: ServerDeps, timeouts: ServerTimeouts): Promise<void> {
  const commands = commandComponents(deps.registry, commandBodySchema);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'nats-eventstore',
        version: '1',
        description:
          `Commands per aggregate, an immutable event store, projections. Bull Board is at ${BULL_BOARD_PATH}. ` +
          `A request's headers must arrive within ${headersTimeoutOf(timeouts) / 1000} s and the whole request within ` +
          `${timeouts.requestMs / 1000} s (else 408, and the connection is closed); a wait for an outcome (up to ` +
          `${MAX_WAIT_MS / 1000} s) comes after and is not cut. A connection silent for ${IDLE_CONNECTION_MS / 1000} s is closed.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: deps.apiToken ? [{ bearer: [] }] : [],
    },
    // The registered commands go into POST /commands here, in the document only: zod validates.
    transformObject: (document) => withCommandDocs('openapiObject' in document ? document.openapiObject : document.swaggerObject, commands),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

/** Listens on host:port and warns when the API is open to the network without a token. */
export async function listen(app: FastifyInstance, options: { host: string; port: number; apiToken: string | undefined }): Promise<string> {
  const warning = exposureWarning(options);
  if (warning) app.log.warn(warning);
  return app.listen({ host: options.host, port: options.port });
}

/** The start-up warning for an API reachable beyond this machine without a token, if it is. */
export function exposureWarning(options: { host: string; port: number; apiToken: string | undefined }): string | undefined {
  if (options.apiToken || isLoopback(options.host)) return undefined;
  return (
    `NO API_TOKEN SET and HOST=${options.host} is not a loopback address: anyone who can reach port ${options.port} ` +
    'can send commands, read every event and open Bull Board. Set API_TOKEN, or bind HOST=127.0.0.1.'
  );
}
