import { UnrecoverableError } from 'bullmq';
import type pg from 'pg';
import type { CommandOutcome } from '../../envelope/codec.ts';
import { AggregateTypeMismatchError, ConcurrencyError, DuplicateCommandError, InvalidInputError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { EventStore } from '../../store/event-store.ts';
import type { AppendResult, NewEvent, ProcessedCommand } from '../../store/types.ts';
import { validateEvents } from '../../store/validation.ts';
import type { AggregateDefinition, DomainEvent } from '../domain/aggregate.ts';
import { AggregateCache } from './aggregate-cache.ts';
import { AggregateLoader } from './aggregate-loader.ts';
import { evolveAll, foldStream, snapshotOf, toNewEvent, type LoadedAggregate } from './aggregate-repository.ts';
import { AppendBatcher } from './append-batcher.ts';
import type { CommandJobData } from '../gate/command-job.ts';
import { checkDecidedEvents } from '../domain/decided-events.ts';
import { DomainRejectionError, InvalidDecidedEventError } from '../domain/errors.ts';
import { outcomeFromRecord, rejectionMessage, type RejectedOutcome } from '../gate/outcome.ts';
import type { CommandRegistry } from '../domain/registry.ts';

export interface CommandExecutorOptions {
  registry: CommandRegistry;
  pool: pg.Pool;
  logger?: Logger;
  maxEventBytes?: number;
  cacheSize?: number;
  snapshotEvery?: number;
  maxConflictRetries?: number;
}

/**
 * A decision that fails the job at once: BullMQ does not retry an UnrecoverableError. The outcome
 * travels as data (the worker keeps it on the job, see record-rejection.lua); the message is only
 * the sentence Bull Board shows.
 */
export class CommandRejected extends UnrecoverableError {
  readonly outcome: RejectedOutcome;
  /** `version`: the aggregate's version the rejection was decided on, when known for sure. */
  constructor(outcome: RejectedOutcome, readonly version: number | undefined) {
    super(rejectionMessage(outcome.code, outcome.reason));
    // A version conflict was decided on the version the aggregate is at: that is its actual version.
    const actual = outcome.code === 'concurrency' && version !== undefined && outcome.actualVersion === undefined;
    this.outcome = actual ? { ...outcome, actualVersion: version } : outcome;
    // A decision of the domain, not a bug: BullMQ records no stack trace for it, so Bull Board
    // shows the reason alone instead of a trace into the worker's source.
    this.stack = '';
  }
}

/** Up to this many events behind, a stale cache entry is caught up; further behind, the snapshot is cheaper. */
const CATCH_UP_LIMIT = 1_000;

type Accepted = Extract<CommandOutcome, { status: 'accepted' }>;

/** What one execution decided: the command's outcome, and those of the followers appended with it. */
export interface Execution {
  outcome: CommandOutcome;
  /** Followers whose events were appended in the same statement as the command's, in gate order. */
  followers: Array<{ command: CommandJobData; outcome: Accepted }>;
  /** The aggregate's version after the command and those followers, when known for sure. */
  version: number | undefined;
}

/** A command of a run, the events it decided (as appended) and the state they leave. */
interface Decided {
  command: CommandJobData;
  events: NewEvent[];
  state: unknown;
}

/**
 * Executes one command whose turn it is: load the aggregate (cache, else snapshot + events),
 * decide, append with expected version = the loaded version, recording the command id in the same
 * statement. Appends of commands executed at once share one statement (AppendBatcher).
 *
 * Followers (the commands parked right behind it in its aggregate's gate) are decided in order on
 * the state the command leaves, and those that decide events are appended in the same statement,
 * up to the first that does not (a rejection, no change, an error: it then runs on its own later,
 * on the same state). A run of N commands of one aggregate thus costs one commit, not N.
 *
 * Returns the accepted outcome; throws CommandRejected for a recorded rejection, UnrecoverableError
 * for what retrying cannot fix, and anything else (transient) for BullMQ to retry with backoff.
 */
export class CommandExecutor {
  private readonly store: EventStore;
  private readonly batcher: AppendBatcher;
  private readonly loader: AggregateLoader;
  private readonly cache: AggregateCache;
  private readonly snapshotEvery: number;

  constructor(private readonly options: CommandExecutorOptions) {
    this.store = new EventStore(options.pool, { maxEventBytes: options.maxEventBytes });
    this.batcher = new AppendBatcher(this.store, { maxEventBytes: options.maxEventBytes });
    this.loader = new AggregateLoader(options.pool, this.store);
    this.cache = new AggregateCache(options.cacheSize ?? 10_000);
    this.snapshotEvery = options.snapshotEvery ?? 100;
  }

  async execute(command: CommandJobData, gateVersion: number | undefined, run: { conflicts: number }, followers: CommandJobData[] = []): Promise<Execution> {
    const definition = this.options.registry.aggregate(command.aggregateType)!;
    const maxConflicts = this.options.maxConflictRetries ?? 5;
    for (;;) {
      let loaded: LoadedAggregate;
      try {
        loaded = await this.load(definition, command.aggregateId, gateVersion);
      } catch (error) {
        if (error instanceof AggregateTypeMismatchError) return this.reject(command, undefined, error.code, error.message);
        throw error;
      }
      try {
        const decision = this.decide(definition, command, loaded);
        if (Array.isArray(decision)) {
          if (decision.length === 0) return await this.recordNoChange(command, loaded.version);
          const execution = await this.append(definition, loaded, this.decideRun(definition, loaded, command, decision, followers));
          if (execution) return execution;
          followers = []; // one of the run was processed before: run the command on its own
          continue;
        }
        // A rejection writes no events, so no compare-and-set checks the state it was decided on:
        // check the version here, or a write from outside the queue could make it a wrong one.
        const actual = await this.store.streamVersion(command.aggregateId);
        if (actual !== loaded.version) throw new ConcurrencyError(command.aggregateId, loaded.version, actual);
        return await this.reject(command, loaded.version, decision.code, decision.reason);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || run.conflicts >= maxConflicts) throw error;
        // Something outside the queue wrote to the aggregate: reload and decide again.
        run.conflicts++;
        gateVersion = undefined;
        this.cache.delete(command.aggregateId);
      }
    }
  }

  /**
   * The run: the command with its events, then the followers that decide events on the state the
   * previous one left, in order, up to the first that does not. A follower is decided here exactly
   * as it would be on its own after the command, so running it now or later gives the same events.
   */
  private decideRun(definition: AggregateDefinition, loaded: LoadedAggregate, command: CommandJobData, events: DomainEvent[], followers: CommandJobData[]): Decided[] {
    const toRun = (command: CommandJobData, events: DomainEvent[], before: unknown): Decided => ({
      command, events: events.map((e) => toNewEvent(e, eventMetadata(command))), state: evolveAll(definition, before, events),
    });
    const run = [toRun(command, events, loaded.state)];
    let version = loaded.version + events.length;
    for (const follower of followers) {
      if (follower.aggregateType !== definition.type) break;
      const { state } = run.at(-1)!;
      let next: Decided;
      try {
        const decision = this.decide(definition, follower, { state, version });
        if (!Array.isArray(decision) || decision.length === 0) break;
        next = toRun(follower, decision, state);
        validateEvents(next.events, this.options.maxEventBytes ?? 1024 * 1024);
      } catch {
        break; // it fails the same way when it runs on its own, where the failure is reported
      }
      run.push(next);
      version += next.events.length;
    }
    return run;
  }

  /** The decided events, or the rejection (a domain rejection, or the producer's expected version not matching). */
  private decide(definition: AggregateDefinition, command: CommandJobData, loaded: Pick<LoadedAggregate, 'state' | 'version'>): DomainEvent[] | { code: string; reason: string } {
    if (command.expectedVersion !== undefined && command.expectedVersion !== loaded.version) {
      const conflict = new ConcurrencyError(command.aggregateId, command.expectedVersion, loaded.version);
      return { code: 'concurrency', reason: conflict.message };
    }
    try {
      const decided = definition.decide(loaded.state, { type: command.commandType, payload: command.payload, aggregateId: command.aggregateId });
      return checkDecidedEvents(definition, decided);
    } catch (error) {
      if (error instanceof DomainRejectionError) return { code: error.code, reason: error.reason };
      if (error instanceof InvalidDecidedEventError) throw new UnrecoverableError(`${error.message} (command ${command.commandType})`);
      // decide is a pure function: running it again gives the same error, so do not retry.
      throw new UnrecoverableError(`${definition.type}.decide threw on ${command.commandType}: ${(error as Error).message}`);
    }
  }

  /**
   * The aggregate's current state. The cached state is used when its version is the one the gate
   * recorded after the aggregate's previous command, or (when the gate does not know it) the one
   * in the store; otherwise the aggregate is loaded from its snapshot and events (AggregateLoader).
   */
  private async load(definition: AggregateDefinition, aggregateId: string, gateVersion: number | undefined): Promise<LoadedAggregate> {
    const cached = this.cache.get(aggregateId);
    let from: LoadedAggregate | undefined;
    if (cached && cached.aggregateType === definition.type) {
      const current = gateVersion ?? (await this.store.streamVersion(aggregateId));
      if (current === cached.version) return cached;
      // Another worker process ran the aggregate's latest commands: read only what it appended,
      // not the whole stream (with N processes a hot aggregate's cache is stale most of the time).
      if (current > cached.version && current - cached.version <= CATCH_UP_LIMIT) from = cached;
    }
    const loaded = from ? await foldStream(this.store, definition, aggregateId, from) : await this.loader.load(definition, aggregateId);
    this.cache.set(aggregateId, loaded);
    return loaded;
  }

  /**
   * Appends a run of decided commands (the first is the one being executed) in one statement.
   * Returns undefined when the run had followers and one of the run was processed before: the
   * caller then runs the command on its own.
   */
  private async append(definition: AggregateDefinition, loaded: LoadedAggregate, decided: Decided[]): Promise<Execution | undefined> {
    const [{ command }] = decided as [Decided];
    let result;
    try {
      result = await this.batcher.append({
        aggregateId: command.aggregateId,
        aggregateType: definition.type,
        events: decided.flatMap((d) => d.events),
        expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
        commands: decided.map((d) => ({ commandId: d.command.commandId, commandType: d.command.commandType, eventCount: d.events.length })),
      });
    } catch (error) {
      if (error instanceof DuplicateCommandError) {
        if (decided.length > 1) return undefined;
        return { outcome: await this.alreadyProcessed(command), followers: [], version: undefined };
      }
      if (error instanceof AggregateTypeMismatchError) return this.reject(command, undefined, error.code, error.message);
      if (error instanceof InvalidInputError) {
        throw new UnrecoverableError(`${definition.type} decided invalid events for ${command.commandType}: ${error.message}`);
      }
      throw error;
    }
    const next = { aggregateType: definition.type, state: decided.at(-1)!.state, version: result.nextExpectedVersion };
    this.cache.set(command.aggregateId, next);
    this.maybeSnapshot(definition, command.aggregateId, loaded.version, next);
    const outcomes = acceptedOutcomes(decided, result.events);
    return {
      outcome: outcomes[0]!,
      followers: decided.slice(1).map((d, i) => ({ command: d.command, outcome: outcomes[i + 1]! })),
      version: result.nextExpectedVersion,
    };
  }

  /** Records the rejection and fails the job, unless an earlier run of the command was accepted. */
  private async reject(command: CommandJobData, version: number | undefined, code: string, reason: string): Promise<Execution> {
    const { commandId, commandType, aggregateId } = command;
    const outcome = standing(await this.store.recordRejection({ commandId, commandType, aggregateId, code, reason }), version);
    return { outcome, followers: [], version: undefined };
  }

  /** The command was processed before (its worker died before completing the job): its outcome stands. */
  private async alreadyProcessed(command: CommandJobData): Promise<CommandOutcome> {
    this.cache.delete(command.aggregateId);
    return standing((await this.store.getProcessedCommand(command.commandId))!, undefined);
  }

  /**
   * A command decided with no events is accepted at the same version. The store records it only
   * while the aggregate is still at that version (ConcurrencyError otherwise: decide again).
   */
  private async recordNoChange(command: CommandJobData, version: number): Promise<Execution> {
    const { commandId, commandType, aggregateId } = command;
    const outcome = standing(await this.store.recordNoChange({ commandId, commandType, aggregateId, version }), version);
    return { outcome, followers: [], version: outcome.status === 'accepted' ? outcome.version : undefined };
  }

  private maybeSnapshot(definition: AggregateDefinition, aggregateId: string, before: number, after: LoadedAggregate): void {
    const every = definition.snapshotEvery ?? this.snapshotEvery;
    if (every <= 0 || Math.floor(before / every) === Math.floor(after.version / every)) return;
    // Best effort and off the command's path: a missing snapshot only makes the next load longer.
    this.store.saveSnapshot(snapshotOf(aggregateId, after)).catch((error) => this.options.logger?.warn({ err: error, aggregateId }, 'snapshot not saved'));
  }
}

/**
 * The first outcome recorded for a command id stands: an accepted one completes the job, a
 * rejected one fails it (CommandRejected).
 */
function standing(recorded: ProcessedCommand, version: number | undefined): CommandOutcome {
  const outcome = outcomeFromRecord(recorded);
  if (outcome.status === 'accepted') return outcome;
  throw new CommandRejected(outcome, version);
}

/** Events carry their command's tracing ids: caused by the command, correlated with what caused it. */
function eventMetadata(command: CommandJobData) {
  return { ...command.metadata, causationId: command.commandId, correlationId: command.metadata.correlationId ?? command.commandId };
}

/** Each command's outcome: its slice of the appended events, and the version after its last one. */
function acceptedOutcomes(decided: Decided[], events: AppendResult['events']): Accepted[] {
  let from = 0;
  return decided.map(({ command, events: own }) => {
    const slice = events.slice(from, (from += own.length));
    return { commandId: command.commandId, aggregateId: command.aggregateId, status: 'accepted', version: slice.at(-1)!.eventVersion, eventIds: slice.map((e) => e.eventId) };
  });
}
