/**
 * The public API. Anything not exported here is internal and may change without notice.
 */
export { loadConfig, redactUrl, type Config } from './config.ts';
export * from './errors.ts';
export {
  decodeCommand,
  decodeEvent,
  decodeOutcome,
  encodeCommand,
  encodeEvent,
  encodeOutcome,
  type CommandMessage,
  type CommandOutcome,
} from './envelope/codec.ts';
export {
  EventStore,
  type AppendOptions,
  type AppendRejection,
  type BatchAppendResult,
  type EventStoreOptions,
  type Queryable,
} from './store/event-store.ts';
export { migrate, type MigrateResult } from './store/migrate.ts';
export { createPool } from './store/pool.ts';
export { START } from './store/types.ts';
export type {
  AppendRequest,
  AppendResult,
  CommandRef,
  CommitPosition,
  EventMetadata,
  ExpectedVersion,
  NewEvent,
  ProcessedCommand,
  RecordedEvent,
  Snapshot,
} from './store/types.ts';
export type { AggregateDefinition, DecidedCommand, DomainEvent, FailurePolicy } from './commands/aggregate.ts';
export { loadAggregate, type LoadedAggregate } from './commands/aggregate-repository.ts';
export { CommandClient, type CommandClientOptions, type CommandState, type CommandStatus } from './commands/command-client.ts';
export type { CommandJobData, SendCommand } from './commands/command-job.ts';
export { CommandWorker, type CommandWorkerOptions, type OutcomeEvent, type OutcomeStatus } from './commands/command-worker.ts';
export {
  CommandFailedError,
  CommandTimeoutError,
  DomainRejectionError,
  InvalidCommandError,
  InvalidCommandIdError,
  InvalidCommandPayloadError,
  UnknownCommandTypeError,
} from './commands/errors.ts';
export { AggregateNotHaltedError, CommandGate, type HaltedAggregate } from './commands/gate.ts';
export type { CommandJobOptions } from './commands/job-options.ts';
export { CommandRegistry } from './commands/registry.ts';
export { loadWorkerSettings, runWorkerProcess } from './commands/worker-process.ts';
export { exampleDomain, Order, UserAccount, type OrderState, type UserAccountState } from './domain/index.ts';
