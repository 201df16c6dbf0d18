/**
 * The public API. Anything not exported here is internal and may change without notice.
 */
export { loadConfig, redactUrl, type Config } from './config/env.ts';
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
  CommandSlice,
  CommitPosition,
  EventMetadata,
  ExpectedVersion,
  NewEvent,
  ProcessedCommand,
  RecordedEvent,
  Snapshot,
} from './store/types.ts';
export type { AggregateDefinition, DecidedCommand, DomainEvent, FailurePolicy } from './commands/domain/aggregate.ts';
export { loadAggregate, type LoadedAggregate } from './commands/worker/aggregate-repository.ts';
export { CommandClient, type CommandClientOptions, type CommandState, type CommandStatus } from './commands/gate/command-client.ts';
export type { CommandJobData, SendCommand } from './commands/gate/command-job.ts';
export { CommandWorker, type CommandWorkerOptions, type OutcomeEvent, type OutcomeStatus, type UnknownTypeEvent } from './commands/worker/command-worker.ts';
export { DomainRejectionError, InvalidCommandPayloadError, UnknownCommandTypeError } from './commands/domain/errors.ts';
export { CommandClientClosedError, CommandFailedError, CommandIdReusedError, CommandTimeoutError, InvalidCommandError, InvalidCommandIdError } from './commands/gate/errors.ts';
export { AggregateNotHaltedError, CommandGate, ForeignJobKeyError, type HaltedAggregate } from './commands/gate/gate.ts';
export type { CommandJobOptions } from './commands/gate/job-options.ts';
export { CommandRegistry } from './commands/domain/registry.ts';
export { loadWorkerSettings, runWorkerProcess } from './commands/worker/worker-settings.ts';
export { exampleDomain, Order, UserAccount, type OrderState, type UserAccountState } from '../examples/orders/domain/index.ts';
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
export type { Projection } from './projections/projection.ts';
export { Projector, subscriptionLag, type ProjectorOptions } from './projections/projector.ts';
export { rebuildProjection, RebuildNotSupportedError, type RebuildOptions } from './projections/rebuild.ts';
export { ProjectionBusyError } from './projections/projection-lock.ts';
export { getOrder, InvalidOrderEventError, ordersProjection, type OrderView } from '../examples/orders/orders-projection.ts';
export { buildServer, listen, type ServerDeps } from './http/server.ts';
export type { AggregatePort, CommandPort, ProjectionPort } from './http/ports.ts';
export { natsProbe, postgresProbe, redisProbe, type ReadinessProbe } from './http/readiness.ts';
export { Metrics, type CommandOutcomeEvent } from './observability/metrics.ts';
export { systemStatus, type SystemStatus } from './observability/system-status.ts';
export { ROLES, type RoleName } from './cli/role-names.ts';
export { runRoles, runRolesUntilSignal, type RunningProcess } from './cli/run-roles.ts';
export { verify, type VerifyOptions } from './verify/verify.ts';
export { formatReport, type CheckResult, type VerifyReport, type Violation } from './verify/report.ts';
