import { EventEmitter } from 'node:events';
import { DelayedError, UnrecoverableError, Worker, Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { CommandOutcome } from '../envelope/codec.ts';
import { AggregateTypeMismatchError, ConcurrencyError, DuplicateCommandError, InvalidInputError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { EventStore } from '../store/event-store.ts';
import { validateAggregateId } from '../store/validation.ts';
import type { AggregateDefinition } from './aggregate.ts';
import { AggregateCache } from './aggregate-cache.ts';
import { evolveAll, loadAggregate, snapshotOf, toNewEvent, type LoadedAggregate } from './aggregate-repository.ts';
import { AppendBatcher } from './append-batcher.ts';
import { parseCommandJob, type CommandJobData } from './command-job.ts';
import { DomainRejectionError } from './errors.ts';
import { CommandGate } from './gate.ts';
import { outcomeFromRecord, rejectionMessage } from './outcome.ts';
import { GateReconciler } from './reconciler.ts';
import type { CommandRegistry } from './registry.ts';

export interface CommandWorkerOptions {
  redisUrl: string;
  queueName: string;
  prefix: string;
  registry: CommandRegistry;
  pool: pg.Pool;
  /** Commands run at once by this worker, over different aggregates (default 50). */
  concurrency?: number;
  logger?: Logger;
  maxEventBytes?: number;
  /** Aggregates whose state is kept in memory (default 10,000; 0 disables the cache). */
  cacheSize?: number;
  /** Write a snapshot every this many events (default 100; 0 disables). */
  snapshotEvery?: number;
  /** Version conflicts retried at once before the job retries with backoff (default 5). */
  maxConflictRetries?: number;
  /** BullMQ lock of a running command; a dead worker's command runs again after about this long (default 30 s). */
  lockDurationMs?: number;
  /** How often stalled commands are looked for (default 30 s). */
  stalledIntervalMs?: number;
  /** Stalls (worker deaths) a command survives before it fails (default 5). */
  maxStalledCount?: number;
  /** How often the reconciler sweeps, and after how long without progress it inspects a gate (defaults 5 s, 10 s). */
  reconcileIntervalMs?: number;
  reconcileAfterMs?: number;
  /** See GateOptions.parkMs; must be the same for every client and worker of a queue. */
  parkMs?: number;
}

export type OutcomeStatus = 'accepted' | 'rejected' | 'failed';

/** Emitted as 'outcome' once per command attempt that reached a result. */
export interface OutcomeEvent {
  commandId: string;
  commandType: string;
  aggregateId: string;
  status: OutcomeStatus;
  /** Rejection code or failure reason. */
  code?: string;
  reason?: string;
  /** The aggregate's version after the command (accepted) or the one it was decided on (rejected). */
  version?: number;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  attempts: number;
  /** Version conflicts met (and retried) on the way: only writes from outside the queue cause them. */
  conflicts: number;
}

/** Up to this many events behind, a stale cache entry is caught up; further behind, the snapshot is cheaper. */
const CATCH_UP_LIMIT = 1_000;

/** A decision that fails the job at once: BullMQ does not retry an UnrecoverableError. */
class CommandRejected extends UnrecoverableError {
  constructor(readonly outcome: Extract<CommandOutcome, { status: 'rejected' }>, readonly version: number) {
    super(rejectionMessage(outcome.code, outcome.reason));
  }
}

/**
 * Runs commands from the queue: for each job, claim the aggregate's gate, load the aggregate
 * (cache, else snapshot + events), decide, append with expected version = the loaded version
 * (recording the command in the same statement), complete the job with the outcome, advance the
 * gate. Appends of concurrently running commands share one statement (AppendBatcher).
 *
 * Emits 'outcome' (OutcomeEvent) and 'error' (unexpected errors outside a command).
 */
export class CommandWorker extends EventEmitter {
  private worker: Worker | undefined;
  private readonly queue: Queue;
  private readonly redis: Redis;
  private readonly gate: CommandGate;
  private readonly store: EventStore;
  private readonly batcher: AppendBatcher;
  private readonly cache: AggregateCache;
  private readonly reconciler: GateReconciler;
  private readonly advancing = new Set<Promise<void>>();
  private readonly snapshotEvery: number;

  constructor(private readonly options: CommandWorkerOptions) {
    super();
    this.queue = new Queue(options.queueName, { connection: { url: options.redisUrl }, prefix: options.prefix });
    this.redis = new Redis(options.redisUrl);
    this.gate = new CommandGate(this.redis, this.queue, { prefix: options.prefix, queueName: options.queueName, parkMs: options.parkMs });
    this.store = new EventStore(options.pool, { maxEventBytes: options.maxEventBytes });
    this.batcher = new AppendBatcher(this.store, { maxEventBytes: options.maxEventBytes });
    this.cache = new AggregateCache(options.cacheSize ?? 10_000);
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.reconciler = new GateReconciler(this.gate, this.queue, options.registry, {
      intervalMs: options.reconcileIntervalMs ?? 5_000,
      staleMs: options.reconcileAfterMs ?? 10_000,
      onError: (error) => this.fail('reconciler', error),
    });
    this.queue.on('error', (error) => this.fail('queue', error));
    this.redis.on('error', (error) => this.options.logger?.warn({ err: error }, 'gate connection error'));
  }

  async start(): Promise<void> {
    if (this.worker) return;
    const worker = new Worker(this.options.queueName, (job, token) => this.process(job, token), {
      connection: { url: this.options.redisUrl },
      prefix: this.options.prefix,
      concurrency: this.options.concurrency ?? 50,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      maxStalledCount: this.options.maxStalledCount ?? 5,
      autorun: false,
    });
    worker.on('completed', (job, outcome: CommandOutcome) => {
      this.track(this.gate.advance(job.data.aggregateId, job.id!, { version: outcome.status === 'accepted' ? outcome.version : undefined }));
    });
    worker.on('failed', (job, error) => job && this.onFailed(job, error));
    worker.on('error', (error) => this.fail('worker', error));
    this.worker = worker;
    void worker.run().catch((error) => this.fail('worker', error));
    await worker.waitUntilReady();
    this.reconciler.start();
  }

  /** Graceful: takes no new commands, finishes the running ones, then closes every connection. */
  async close(): Promise<void> {
    this.reconciler.stop();
    await this.worker?.close();
    await Promise.allSettled([...this.advancing]);
    await this.reconciler.idle();
    await this.queue.close();
    this.redis.disconnect();
  }

  /** One reconciler sweep now (for operators and tests); normally it runs on its own. */
  reconcile(): Promise<number> {
    return this.reconciler.sweep();
  }

  private async process(job: Job, token?: string): Promise<CommandOutcome> {
    const aggregateId = gateKeyOf(job);
    if (aggregateId === undefined) throw new UnrecoverableError(`malformed command job: ${aggregateIdProblem(job)}`);
    const claim = await this.gate.claim(aggregateId, job.id!);
    if (claim.status !== 'head') {
      // Not its turn (or the aggregate is halted): park it again; the gate promotes it in turn.
      await job.moveToDelayed(this.gate.parkUntil(), token);
      throw new DelayedError();
    }
    let command: CommandJobData;
    try {
      command = parseCommandJob(job.id, job.data, this.options.registry);
    } catch (error) {
      throw new UnrecoverableError(`malformed command job: ${(error as Error).message}`);
    }
    const startedAt = Date.now();
    const run = { conflicts: 0 };
    const report = (status: OutcomeStatus, extra: Partial<OutcomeEvent>) => {
      const finishedAt = Date.now();
      this.emit('outcome', {
        commandId: command.commandId, commandType: command.commandType, aggregateId, status, startedAt, finishedAt,
        durationMs: finishedAt - startedAt, attempts: job.attemptsMade + 1, conflicts: run.conflicts, ...extra,
      } satisfies OutcomeEvent);
    };
    try {
      const outcome = await this.execute(command, claim.version, run);
      report('accepted', { version: outcome.status === 'accepted' ? outcome.version : undefined });
      return outcome;
    } catch (error) {
      if (error instanceof CommandRejected) {
        report('rejected', { code: error.outcome.code, reason: error.outcome.reason, version: error.version });
      }
      throw error;
    }
  }

  private async execute(command: CommandJobData, gateVersion: number | undefined, run: { conflicts: number }): Promise<CommandOutcome> {
    const definition = this.options.registry.aggregate(command.aggregateType)!;
    const maxConflicts = this.options.maxConflictRetries ?? 5;
    for (;;) {
      let loaded: LoadedAggregate;
      try {
        loaded = await this.load(definition, command.aggregateId, gateVersion);
      } catch (error) {
        if (error instanceof AggregateTypeMismatchError) return this.reject(command, 0, error.code, error.message);
        throw error;
      }
      if (command.expectedVersion !== undefined && command.expectedVersion !== loaded.version) {
        const conflict = new ConcurrencyError(command.aggregateId, command.expectedVersion, loaded.version);
        return this.reject(command, loaded.version, 'concurrency', conflict.message);
      }
      let decided;
      try {
        decided = definition.decide(loaded.state, { type: command.commandType, payload: command.payload, aggregateId: command.aggregateId });
      } catch (error) {
        if (error instanceof DomainRejectionError) return this.reject(command, loaded.version, error.code, error.reason);
        // decide is a pure function: running it again gives the same error, so do not retry.
        throw new UnrecoverableError(`${definition.type}.decide threw on ${command.commandType}: ${(error as Error).message}`);
      }
      try {
        return await this.append(definition, command, loaded, decided);
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
   * The aggregate's current state. The cached state is used when its version is the one the gate
   * recorded after the aggregate's previous command, or (when the gate does not know it) the one
   * in the store; otherwise the aggregate is loaded from its snapshot and events.
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
    const loaded = await loadAggregate(this.store, definition, aggregateId, from);
    this.cache.set(aggregateId, loaded);
    return loaded;
  }

  private async append(definition: AggregateDefinition, command: CommandJobData, loaded: LoadedAggregate, decided: ReturnType<AggregateDefinition['decide']>): Promise<CommandOutcome> {
    const { commandId, commandType, aggregateId } = command;
    if (decided.length === 0) return this.recordNoChange(command, loaded.version);
    const metadata = { ...command.metadata, causationId: commandId, correlationId: command.metadata.correlationId ?? commandId };
    let result;
    try {
      result = await this.batcher.append({
        aggregateId,
        aggregateType: definition.type,
        events: decided.map((e) => toNewEvent(e, metadata)),
        expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
        command: { commandId, commandType },
      });
    } catch (error) {
      if (error instanceof DuplicateCommandError) return this.alreadyProcessed(command);
      if (error instanceof AggregateTypeMismatchError) return this.reject(command, loaded.version, error.code, error.message);
      if (error instanceof InvalidInputError) {
        throw new UnrecoverableError(`${definition.type} decided invalid events for ${commandType}: ${error.message}`);
      }
      throw error;
    }
    const next = { aggregateType: definition.type, state: evolveAll(definition, loaded.state, decided), version: result.nextExpectedVersion };
    this.cache.set(aggregateId, next);
    this.maybeSnapshot(definition, aggregateId, loaded.version, next);
    return { commandId, aggregateId, status: 'accepted', version: result.nextExpectedVersion, eventIds: result.events.map((e) => e.eventId) };
  }

  /** Records the rejection (the first outcome recorded for a command id stands) and fails the job. */
  private async reject(command: CommandJobData, version: number, code: string, reason: string): Promise<CommandOutcome> {
    const recorded = await this.store.recordRejection({ commandId: command.commandId, commandType: command.commandType, aggregateId: command.aggregateId, code, reason });
    // An earlier run of this command was accepted (a worker died before completing its job).
    if (recorded.status === 'accepted') return outcomeFromRecord(recorded);
    throw this.rejection(command.aggregateId, recorded.code, recorded.reason, version, command.commandId);
  }

  private rejection(aggregateId: string, code: string, reason: string, version: number, commandId: string): CommandRejected {
    return new CommandRejected({ commandId, aggregateId, status: 'rejected', code, reason }, version);
  }

  /** The command was processed before (its worker died before completing the job): its outcome stands. */
  private async alreadyProcessed(command: CommandJobData): Promise<CommandOutcome> {
    this.cache.delete(command.aggregateId);
    const recorded = (await this.store.getProcessedCommand(command.commandId))!;
    if (recorded.status === 'accepted') return outcomeFromRecord(recorded);
    throw this.rejection(command.aggregateId, recorded.code, recorded.reason, 0, command.commandId);
  }

  /** A command decided with no events is accepted at the same version. */
  private async recordNoChange(command: CommandJobData, version: number): Promise<CommandOutcome> {
    await this.options.pool.query(
      `INSERT INTO processed_commands (command_id, command_type, aggregate_id, status, version)
       VALUES ($1, $2, $3, 'accepted', $4) ON CONFLICT (command_id) DO NOTHING`,
      [command.commandId, command.commandType, command.aggregateId, version],
    );
    const recorded = (await this.store.getProcessedCommand(command.commandId))!;
    if (recorded.status === 'accepted') return outcomeFromRecord(recorded);
    throw this.rejection(command.aggregateId, recorded.code, recorded.reason, version, command.commandId);
  }

  private maybeSnapshot(definition: AggregateDefinition, aggregateId: string, before: number, after: LoadedAggregate): void {
    const every = definition.snapshotEvery ?? this.snapshotEvery;
    if (every <= 0 || Math.floor(before / every) === Math.floor(after.version / every)) return;
    // Best effort and off the command's path: a missing snapshot only makes the next load longer.
    this.store.saveSnapshot(snapshotOf(aggregateId, after)).catch((error) => this.options.logger?.warn({ err: error, aggregateId }, 'snapshot not saved'));
  }

  private onFailed(job: Job, error: Error): void {
    if (!job.finishedOn) return; // a retry follows; the gate keeps the aggregate's later commands parked
    const aggregateId = gateKeyOf(job);
    const rejected = error instanceof CommandRejected;
    if (!rejected) {
      const now = Date.now();
      this.emit('outcome', {
        commandId: job.id!, commandType: job.name, aggregateId: aggregateId ?? '', status: 'failed', reason: error.message,
        startedAt: job.processedOn ?? now, finishedAt: now, durationMs: now - (job.processedOn ?? now), attempts: job.attemptsMade, conflicts: 0,
      } satisfies OutcomeEvent);
      this.options.logger?.warn({ commandId: job.id, commandType: job.name, aggregateId, reason: error.message }, 'command failed for good');
    }
    if (aggregateId === undefined) return; // never admitted to a gate
    const policy = this.options.registry.aggregate(job.data?.aggregateType)?.failurePolicy ?? 'continue';
    this.track(this.gate.advance(aggregateId, job.id!, {
      halt: policy === 'halt' ? { reason: error.message } : undefined,
      version: rejected ? error.version : undefined,
    }));
  }

  /** Advances run after the job finished; close() waits for them. A lost one is healed by the reconciler. */
  private track(advance: Promise<void>): void {
    const tracked = advance.catch((error) => this.fail('gate advance', error)).finally(() => this.advancing.delete(tracked));
    this.advancing.add(tracked);
  }

  private fail(where: string, error: unknown): void {
    this.options.logger?.error({ err: error, where }, 'command worker error');
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/** The aggregate id a job's gate is keyed by, when the job names a usable one. */
function gateKeyOf(job: Job): string | undefined {
  const aggregateId = job.data?.aggregateId;
  try {
    validateAggregateId(aggregateId);
    return typeof job.id === 'string' ? aggregateId : undefined;
  } catch {
    return undefined;
  }
}

function aggregateIdProblem(job: Job): string {
  try {
    validateAggregateId(job.data?.aggregateId);
    return 'the job has no id';
  } catch (error) {
    return (error as Error).message;
  }
}
