/**
 * `nats-eventstore/client`: what a producer service needs to send commands and await their
 * outcomes. It loads the command queue's client (BullMQ on Redis) and the store's outcome records
 * (PostgreSQL), never NATS, the projections or the HTTP server (test/package/import-graph.unit.test.ts
 * keeps it so).
 */
import type pg from 'pg';
import type { AggregateDefinition } from './commands/domain/aggregate.ts';
import { CommandRegistry } from './commands/domain/registry.ts';
import { CommandClient } from './commands/gate/command-client.ts';
import { loadConfig } from './config/env.ts';
import type { Logger } from './logger.ts';
import { createPool } from './store/pool.ts';

export { CommandClient, type CommandClientOptions, type CommandState, type CommandStatus } from './commands/gate/command-client.ts';
export type { SendCommand, CommandJobData } from './commands/gate/command-job.ts';
export type { CommandOutcome } from './envelope/codec.ts';
export { CommandRegistry } from './commands/domain/registry.ts';
export { EventStoreError, InvalidInputError, ConfigError, PayloadTooLargeError } from './errors.ts';
export { InvalidCommandPayloadError, UnknownCommandTypeError } from './commands/domain/errors.ts';
export {
  CommandClientClosedError,
  CommandFailedError,
  CommandIdReusedError,
  CommandTimeoutError,
  InvalidCommandError,
  InvalidCommandIdError,
} from './commands/gate/errors.ts';
export { ForeignJobKeyError } from './commands/gate/gate.ts';

/** A client and the connections it opened for itself; close() ends them all. */
export interface ConnectedCommandClient {
  client: CommandClient;
  close(): Promise<void>;
}

/**
 * A command client connected as the deployment's settings say (REDIS_URL, REDIS_PREFIX,
 * QUEUE_NAME, DATABASE_URL, MAX_COMMAND_BYTES and the retention settings, read from `env`), for
 * the aggregates of the team's config: pass `config.aggregates`, or the config itself.
 */
export function connectCommandClient(options: {
  aggregates: readonly AggregateDefinition<any>[];
  env?: Record<string, string | undefined>;
  logger?: Logger;
}): ConnectedCommandClient {
  const config = loadConfig(options.env ?? process.env);
  const pool: pg.Pool = createPool(config.databaseUrl, { max: 4, applicationName: 'eventstore-client' });
  const client = new CommandClient({
    redisUrl: config.redisUrl,
    queueName: config.queueName,
    prefix: config.redisPrefix,
    registry: new CommandRegistry([...options.aggregates]),
    pool,
    maxCommandBytes: config.maxCommandBytes,
    jobs: config.jobs,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    client,
    async close() {
      await client.close();
      await pool.end();
    },
  };
}
