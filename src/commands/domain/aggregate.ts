import type { z } from 'zod';

/** Schemas by type name: command type -> payload schema, or event type -> data schema (zod 4). */
export type SchemaMap = Record<string, z.ZodType>;

/**
 * A command as an untyped decider sees it: validated payload, the aggregate it targets. Aggregates
 * made with defineAggregate see a union typed by their command schemas instead.
 */
export interface DecidedCommand {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the payload has the shape of the type's schema
  payload: any;
  aggregateId: string;
}

/** An event as a decider produces it; `data` is stored as JSON (content type application/json). */
export interface DomainEvent {
  type: string;
  data: unknown;
}

/**
 * What happens to an aggregate's later commands after one of its commands fails for good
 * (a domain rejection, retries exhausted, or a malformed job):
 * - 'continue' (default): the next command runs;
 * - 'halt': the aggregate's later commands stay queued until an operator resumes the aggregate.
 */
export type FailurePolicy = 'continue' | 'halt';

/**
 * An aggregate as a decider (the Emmett shape): the state is folded from its events with `evolve`,
 * and `decide` turns a command into new events or throws DomainRejectionError. Both must be pure
 * functions of their arguments: the worker replays and caches state and may decide a command again
 * after a crash.
 *
 * This is the shape the registry and the worker run. Write aggregates with defineAggregate, which
 * types `decide` and `evolve` from the schemas; in a literal of this interface payloads and event data are untyped.
 */
export interface AggregateDefinition<State = unknown> {
  /** Stored as the stream's aggregate type: a letter, then letters, digits or '_'. */
  type: string;
  /** Command type -> schema of its payload (zod 4). Command types are unique across a registry. */
  commands: SchemaMap;
  /**
   * Event type -> schema of its data (zod 4). When given, the worker checks each event `decide`
   * returns against it before appending (an undeclared type or data that does not match fails the
   * command for good) and stores the schema's output. Stored events are not checked when loaded.
   */
  events?: SchemaMap;
  initialState(): State;
  decide(state: State, command: DecidedCommand): readonly DomainEvent[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data is parsed JSON
  evolve(state: State, event: { type: string; data: any }): State;
  /** Default 'continue'. */
  failurePolicy?: FailurePolicy;
  /** Write a snapshot every this many events (default: the worker's setting). */
  snapshotEvery?: number;
}
