/** Tracing ids carried from the request to the command, its events and the projections. */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  extra?: Record<string, string>;
}

/** An event the caller wants to append. */
export interface NewEvent {
  eventType: string;
  data: Uint8Array;
  /** How `data` is encoded; default "application/json". */
  contentType?: string;
  /** Default: a random UUID. */
  eventId?: string;
  metadata?: EventMetadata;
  /** Default: now. */
  occurredAt?: Date;
}

/** An event as stored: what readers get back and what goes on the wire. */
export interface RecordedEvent {
  eventId: string;
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  /** 1, 2, 3 ... within the aggregate, no gaps. */
  eventVersion: number;
  data: Uint8Array;
  contentType: string;
  metadata: EventMetadata;
  occurredAt: Date;
  /** Identity taken at insert. Unique, but NOT commit order on its own. */
  globalPosition: number;
  /** The writer's transaction id. Commit order is (transactionId, globalPosition). */
  transactionId: number;
}

/**
 * A point in the store's commit order. Readers checkpoint this pair, never globalPosition alone:
 * a lower global position can commit after a higher one.
 */
export interface CommitPosition {
  transactionId: number;
  globalPosition: number;
}

/** The start of the log, before every event. */
export const START: CommitPosition = Object.freeze({ transactionId: 0, globalPosition: 0 });

/**
 * The version the caller believes the aggregate is at:
 * 'any' (no check), 'no_stream' (the aggregate must not exist yet) or an exact version (>= 1;
 * 0 means the same as 'no_stream').
 */
export type ExpectedVersion = 'any' | 'no_stream' | number;

/** The command that produced an append, recorded in the same statement for idempotency. */
export interface CommandRef {
  commandId: string;
  commandType: string;
}

/** A command that produced `eventCount` consecutive events of an append (see AppendRequest.commands). */
export interface CommandSlice extends CommandRef {
  eventCount: number;
}

export interface AppendRequest {
  aggregateId: string;
  aggregateType: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
  /** The one command that produced all the events: the same as `commands` with one slice. */
  command?: CommandRef;
  /**
   * Several commands of the aggregate decided in a row, in order, each producing the next
   * `eventCount` events. Each is recorded as processed with its own version and event ids; if any
   * of them was processed before, nothing of the request is written (DuplicateCommandError).
   */
  commands?: CommandSlice[];
}

export interface AppendResult {
  aggregateId: string;
  /** The aggregate's version after the append: pass it as expectedVersion next time. */
  nextExpectedVersion: number;
  events: Array<{ eventId: string; eventVersion: number; globalPosition: number }>;
}

export interface Snapshot {
  aggregateId: string;
  aggregateType: string;
  version: number;
  state: Uint8Array;
  contentType: string;
}

/** The recorded outcome of a command (see the processed_commands table). */
export type ProcessedCommand =
  | { commandId: string; commandType: string; aggregateId: string; status: 'accepted'; version: number; eventIds: string[]; processedAt: Date }
  | { commandId: string; commandType: string; aggregateId: string; status: 'rejected'; code: string; reason: string; processedAt: Date };
