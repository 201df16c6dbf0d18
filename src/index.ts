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
