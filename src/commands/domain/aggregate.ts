import type { z } from 'zod';

/** A command as a decider sees it: validated payload, the aggregate it targets. */
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
 */
export interface AggregateDefinition<State = unknown> {
  /** Stored as the stream's aggregate type: a letter, then letters, digits or '_'. */
  type: string;
  /** Command type -> schema of its payload (zod 4). Command types are unique across a registry. */
  commands: Record<string, z.ZodType>;
  initialState(): State;
  decide(state: State, command: DecidedCommand): DomainEvent[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event data is parsed JSON
  evolve(state: State, event: { type: string; data: any }): State;
  /** Default 'continue'. */
  failurePolicy?: FailurePolicy;
  /** Write a snapshot every this many events (default: the worker's setting). */
  snapshotEvery?: number;
}
