/**
 * The public API (`nats-eventstore`). Anything not exported here is internal and may change
 * without notice. Producers that only send commands import `nats-eventstore/client`; domain tests
 * import `nats-eventstore/testing`.
 */
export { DEFAULT_IDEMPOTENCY_WINDOW_DAYS, loadConfig, redactUrl, type Config } from './config/env.ts';
export {
  CONFIG_FILE_NAMES,
  ConfigNotFoundError,
  defineConfig,
  InvalidConfigModuleError,
  loadDeployment,
  resolveDeployment,
  type Deployment,
  type EventStoreConfig,
} from './config/user-config.ts';
export { connectCommandClient, type ConnectedCommandClient } from './client.ts';
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
export { migrate, type MigrateResult, type MigrationSource } from './store/migrate.ts';
export { createPool } from './store/pool.ts';
export { pruneProcessedCommands, type PruneResult } from './store/retention.ts';
export { START } from './store/types.ts';
export type {
  AppendRequest,
  AppendResult,
  CommandRef,
  CommandSlice,
  CommitPosition,
  EventMetadata,
  ExpectedVersion,
  NewEvent,
  ProcessedCommand,
  RecordedEvent,
  Snapshot,
} from './store/types.ts';
export type { AggregateDefinition, DecidedCommand, DomainEvent, FailurePolicy, SchemaMap } from './commands/domain/aggregate.ts';
export {
  defineAggregate,
  type CommandOf,
  type CommandUnion,
  type EventOf,
  type EventUnion,
  type NewEventUnion,
  type StateOf,
  type TypedAggregate,
} from './commands/domain/define-aggregate.ts';
export { loadAggregate, type LoadedAggregate } from './commands/worker/aggregate-repository.ts';
export { CommandClient, type CommandClientOptions, type CommandState, type CommandStatus } from './commands/gate/command-client.ts';
export type { CommandJobData, SendCommand } from './commands/gate/command-job.ts';
export { METADATA_LIMITS } from './commands/gate/command-job.ts';
export { CommandWorker, type CommandWorkerOptions, type OutcomeEvent, type OutcomeStatus, type UnknownTypeEvent } from './commands/worker/command-worker.ts';
export { DomainRejectionError, InvalidCommandPayloadError, InvalidDecidedEventError, UnknownCommandTypeError } from './commands/domain/errors.ts';
export { CommandClientClosedError, CommandFailedError, CommandIdReusedError, CommandTimeoutError, InvalidCommandError, InvalidCommandIdError } from './commands/gate/errors.ts';
export { AggregateNotHaltedError, CommandGate, ForeignJobKeyError, type HaltedAggregate } from './commands/gate/gate.ts';
export type { CommandJobOptions } from './commands/gate/job-options.ts';
export { CommandRegistry } from './commands/domain/registry.ts';
export { loadWorkerSettings } from './commands/worker/worker-settings.ts';
export {
  busSubjects,
  type BusMessage,
  type BusSubjects,
  type BusSubscription,
  type EventBus,
  type LastMessage,
  type MessageHandler,
  type PublishBatchOptions,
  type PublishMessage,
  type SubscribeOptions,
} from './bus/event-bus.ts';
export { createEventBus, type EventBusOptions } from './bus/connect.ts';
export { InvalidStartPositionError, validateStartPosition, type StartPosition } from './bus/start-position.ts';
export { InvalidBusNameError, PublishError, WrongLastSequenceError } from './bus/errors.ts';
export { JetStreamBus, type JetStreamBusOptions } from './bus/jetstream-bus.ts';
export { StanBus, type StanBusOptions } from './bus/stan-bus.ts';
export { Relay, relayStatus, type RelayOptions } from './bus/relay.ts';
export { Dispatcher, type DispatcherOptions, type DispatchRoute } from './bus/dispatcher.ts';
export { subscribeToEvents, type EventHandler } from './subscriptions/event-subscription.ts';
export { decodeDeadLetter, type DeadLetter } from './bus/dead-letter.ts';
export type { Lag } from './subscriptions/checkpoint.ts';
export { defineProjection, defineQuery, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type Projection, type ProjectionQuery } from './projections/projection.ts';
export { Projector, subscriptionLag, type ProjectorOptions } from './projections/projector.ts';
export { rebuildProjection, RebuildNotSupportedError, type RebuildOptions } from './projections/rebuild.ts';
export { ProjectionBusyError } from './projections/projection-lock.ts';
export { replayProjection, type ReplayTotals } from './projections/replay.ts';
export { buildServer, listen, type ServerDeps } from './http/server.ts';
export type { AggregatePort, CommandPort } from './http/ports.ts';
export { natsProbe, postgresProbe, redisProbe, type ReadinessProbe } from './http/readiness.ts';
export { Metrics, type CommandOutcomeEvent } from './observability/metrics.ts';
export { systemStatus, type SystemStatus } from './observability/system-status.ts';
export { ROLES, type RoleName } from './runtime/role-names.ts';
export { runRoles, runRolesUntilSignal, startEventStore, type RunningProcess, type RunRolesOptions } from './runtime/run-roles.ts';
export { verify, type VerifyOptions } from './verify/verify.ts';
export { formatReport, type CheckResult, type VerifyReport, type Violation } from './verify/report.ts';
