import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Queue } from 'bullmq';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import { isLoopback, registerBearerAuth } from './auth.ts';
import { BULL_BOARD_PATH, registerBullBoard } from './bull-board.ts';
import { CORRELATION_HEADER, correlationIdOf } from './correlation.ts';
import { registerErrorHandler } from './error-handler.ts';
import type { AggregatePort, CommandPort, ProjectionPort } from './ports.ts';
import type { ReadinessProbe } from './readiness.ts';
import { registerAggregateRoutes } from './routes/aggregates.ts';
import { registerCommandRoutes } from './routes/commands.ts';
import { registerStrictJsonParser } from './strict-body.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { registerProjectionRoutes } from './routes/projections.ts';

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
  projections: ProjectionPort;
  /** Shown in Bull Board. */
  queues: readonly Queue[];
  probes: readonly ReadinessProbe[];
  /** Served at /metrics. */
  metrics: Registry;
  /** The system's state for `GET /status` and `eventstore status`. */
  status: () => Promise<unknown>;
}

/** Room for the JSON or protobuf fields around a command's payload. */
const ENVELOPE_ALLOWANCE_BYTES = 64 * 1024;

/**
 * The HTTP API as a fastify instance, not listening yet: tests inject requests or listen on port
 * 0, the server role listens on HOST:PORT (see listen()).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: correlationIdOf,
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    bodyLimit: deps.maxCommandBytes + ENVELOPE_ALLOWANCE_BYTES,
    // Unknown fields are an error the caller should hear about, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  });
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

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'nats-eventstore',
        version: '1',
        description: 'Commands per aggregate, an immutable event store, projections. Bull Board is at ' + BULL_BOARD_PATH,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: deps.apiToken ? [{ bearer: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerHealthRoutes(app, deps.probes);
  registerCommandRoutes(app, deps.commands);
  registerAggregateRoutes(app, deps.store, deps.aggregates);
  registerProjectionRoutes(app, deps.projections);
  registerOperationsRoutes(app, { metrics: deps.metrics, status: deps.status, commands: deps.commands });
  await registerBullBoard(app, { queues: deps.queues, actions: deps.bullBoardActions, logger: deps.logger });
  return app;
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
