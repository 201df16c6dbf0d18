import { hostname } from 'node:os';
import { EventEmitter } from 'node:events';
import { DelayedError, UnrecoverableError, Worker, Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { CommandOutcome } from '../../envelope/codec.ts';
import { createLogger, logConnectionErrors, type Logger } from '../../logger.ts';
import { validateAggregateId, validateTypeName } from '../../store/validation.ts';
import { UnknownCommandTypeError } from '../domain/errors.ts';
import { CommandExecutor, CommandRejected } from './command-executor.ts';
import { parseCommandJob, type CommandJobData } from '../gate/command-job.ts';
import { ACCEPTANCE_KEY, CommandGate, type Follower } from '../gate/gate.ts';
import { GateReconciler } from '../gate/reconciler.ts';
import type { CommandRegistry } from '../domain/registry.ts';

export interface CommandWorkerOptions {
  redisUrl: string;
  queueName: string;
  prefix: string;
  registry: CommandRegistry;
  pool: pg.Pool;
  /** Commands run at once by this worker, over different aggregates (default 100). */
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
  /**
   * Most commands of one aggregate run together: the gate's head and the commands parked right
   * behind it are decided in order and appended in one statement (default 100; 1 runs one at a time).
   */
  maxBatch?: number;
  /**
   * How long a command of a type this worker's registry lacks is left for other workers before
   * this one looks at it again (default 5 s). See leaveForAnotherWorker.
   */
  unknownTypeRetryMs?: number;
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
  /**
   * The command whose run this one was part of: its own id, or, when it ran as a follower (decided
   * right after its gate's head and appended in the head's statement), the head's.
   */
  ranWith: string;
  /** The command's metadata.correlationId, so that log lines can be followed across services. */
  correlationId?: string;
}

/** Emitted as 'unknown_type' each time the worker leaves a command of a type its registry lacks. */
export interface UnknownTypeEvent {
  commandId: string;
  commandType: string;
  aggregateId: string;
  /** When this worker (or any other) will look at the command again. */
  retryInMs: number;
}

/** A command type this worker does not know is logged at most once per type in this period. */
const UNKNOWN_TYPE_WARN_MS = 60_000;

/**
 * Runs commands from the queue: for each job, claim the aggregate's gate (only its head may run,
 * and it takes the commands parked behind it along), execute the run (see CommandExecutor), advance
 * the gate (completing the followers), complete the job with the outcome.
 *
 * Emits 'outcome' (OutcomeEvent) and 'error' (unexpected errors outside a command).
 */
export class CommandWorker extends EventEmitter {
  private worker: Worker | undefined;
  private readonly queue: Queue;
  private readonly redis: Redis;
  private readonly gate: CommandGate;
  private readonly executor: CommandExecutor;
  private readonly reconciler: GateReconciler;
  private readonly advancing = new Set<Promise<void>>();
  private readonly log: Logger;
  /** When each unknown command type was last logged (see leaveForAnotherWorker). */
  private readonly unknownTypesWarned = new Map<string, number>();

  constructor(private readonly options: CommandWorkerOptions) {
    super();
    this.log = options.logger ?? createLogger({ name: 'command-worker' });
    this.queue = new Queue(options.queueName, { connection: { url: options.redisUrl }, prefix: options.prefix });
    this.redis = new Redis(options.redisUrl);
    this.gate = new CommandGate(this.redis, { prefix: options.prefix, queueName: options.queueName, parkMs: options.parkMs });
    this.executor = new CommandExecutor(options);
    this.reconciler = new GateReconciler(this.gate, this.queue, options.registry, {
      intervalMs: options.reconcileIntervalMs ?? 5_000,
      staleMs: options.reconcileAfterMs ?? 10_000,
      onError: (error) => this.fail('reconciler', error),
    });
    this.queue.on('error', this.connectionError('redis (command queue)'));
    this.redis.on('error', logConnectionErrors(this.log, 'redis (command gate)'));
  }

  async start(): Promise<void> {
    if (this.worker) return;
    const worker = new Worker(this.options.queueName, (job, token) => this.process(job, token), {
      connection: { url: this.options.redisUrl },
      prefix: this.options.prefix,
      concurrency: this.options.concurrency ?? 100,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      maxStalledCount: this.options.maxStalledCount ?? 5,
      autorun: false,
      // Named, so a running job names its worker (processedBy) and the queue can count its workers.
      name: `${hostname()}:${process.pid}`,
    });
    worker.on('failed', (job, error) => job && this.onFailed(job, error));
    worker.on('error', this.connectionError('redis (bullmq worker)'));
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
    const claim = await this.gate.claim(aggregateId, job.id!, (this.options.maxBatch ?? 100) - 1);
    if (claim.status !== 'head') {
      // Not its turn (or the aggregate is halted): park it again; the gate promotes it in turn.
      await job.moveToDelayed(this.gate.parkUntil(), token);
      throw new DelayedError();
    }
    let command: CommandJobData;
    try {
      command = withAcceptedSeq(parseCommandJob(job.id, job.data, this.options.registry), claim.acceptedSeq);
    } catch (error) {
      if (isTypeUnknownHere(error)) return this.leaveForAnotherWorker(job, aggregateId, error.commandType, token);
      throw new UnrecoverableError(`malformed command job: ${(error as Error).message}`);
    }
    const startedAt = Date.now();
    const run = { conflicts: 0 };
    const report = (command: CommandJobData, status: OutcomeStatus, extra: Partial<OutcomeEvent>) => {
      const finishedAt = Date.now();
      this.emit('outcome', {
        commandId: command.commandId, commandType: command.commandType, aggregateId, status, startedAt, finishedAt,
        durationMs: finishedAt - startedAt, attempts: job.attemptsMade + 1, conflicts: run.conflicts, ranWith: job.id!,
        correlationId: command.metadata.correlationId, ...extra,
      } satisfies OutcomeEvent);
    };
    try {
      const execution = await this.executor.execute(command, claim.version, run, parseFollowers(claim.followers, aggregateId, this.options.registry));
      // Reported as soon as their events are committed, like the command itself: a follower the
      // advance below does not complete runs again as a head, and is reported again then.
      for (const { command, outcome } of execution.followers) report(command, 'accepted', { version: outcome.version, attempts: 1 });
      report(command, 'accepted', { version: execution.outcome.status === 'accepted' ? execution.outcome.version : undefined });
      // The gate moves on as soon as the run is committed, not when BullMQ has completed the job:
      // the aggregate's next command can start one round trip earlier. If this process dies before
      // BullMQ completes the job, the job runs again, is admitted anew (claim.lua), and completes
      // with the outcome the store recorded.
      const followers = execution.followers.map((f) => ({ commandId: f.command.commandId, outcome: f.outcome }));
      await this.gate.advance(aggregateId, command.commandId, { version: execution.version, followers });
      return execution.outcome;
    } catch (error) {
      if (error instanceof CommandRejected) {
        // Kept as data before the job fails, so whoever sees it failed can read the outcome.
        await this.gate.recordRejection(error.outcome);
        report(command, 'rejected', { code: error.outcome.code, reason: error.outcome.reason, version: error.version });
      }
      throw error;
    }
  }

  /**
   * A command of a type this worker's registry lacks is not failed: another worker of the queue
   * may know it (a rolling deploy adds a command type to some workers before others; refusing to
   * start on a mismatch would block exactly that). It is parked again for `unknownTypeRetryMs`,
   * without using up an attempt (BullMQ's moveToDelayed skips the attempt count), and stays the
   * head of its aggregate's gate: the aggregate's later commands keep waiting behind it, so the
   * order holds. It runs once a worker that knows the type picks it up. Every time is counted
   * ('unknown_type' event, metric eventstore_commands_unknown_type_total), and logged once per
   * type per minute, so a type no worker knows shows up instead of waiting silently.
   */
  private async leaveForAnotherWorker(job: Job, aggregateId: string, commandType: string, token: string | undefined): Promise<never> {
    const retryInMs = this.options.unknownTypeRetryMs ?? 5_000;
    await job.moveToDelayed(Date.now() + retryInMs, token);
    this.emit('unknown_type', { commandId: job.id!, commandType, aggregateId, retryInMs } satisfies UnknownTypeEvent);
    const now = Date.now();
    if (now - (this.unknownTypesWarned.get(commandType) ?? -Infinity) >= UNKNOWN_TYPE_WARN_MS) {
      this.unknownTypesWarned.set(commandType, now);
      this.log.warn(
        { commandId: job.id, commandType, aggregateId, knownTypes: this.options.registry.commandTypes(), retryInMs },
        'command type unknown to this worker: left for a worker that knows it (its aggregate waits)',
      );
    }
    throw new DelayedError();
  }

  private onFailed(job: Job, error: Error): void {
    if (!job.finishedOn) return; // a retry follows; the gate keeps the aggregate's later commands parked
    const aggregateId = gateKeyOf(job);
    const rejected = error instanceof CommandRejected;
    if (!rejected) {
      const now = Date.now();
      const commandType = typeof job.data?.commandType === 'string' ? job.data.commandType : job.name; // the name also holds the aggregate id
      this.emit('outcome', {
        commandId: job.id!, commandType, aggregateId: aggregateId ?? '', status: 'failed', reason: error.message,
        startedAt: job.processedOn ?? now, finishedAt: now, durationMs: now - (job.processedOn ?? now), attempts: job.attemptsMade, conflicts: 0, ranWith: job.id!,
        correlationId: correlationIdOf(job.data),
      } satisfies OutcomeEvent);
      this.log.warn({ commandId: job.id, commandType, aggregateId, correlationId: correlationIdOf(job.data), reason: error.message }, 'command failed for good');
    }
    if (aggregateId === undefined) return; // never admitted to a gate
    const policy = this.options.registry.aggregate(job.data?.aggregateType)?.failurePolicy ?? 'continue';
    this.track(this.gate.advance(aggregateId, job.id!, {
      halt: policy === 'halt' ? { reason: error.message } : undefined,
      version: rejected ? error.version : undefined,
    }));
  }

  /** Advances after a failed job run on their own; close() waits for them. A lost one is healed by the reconciler. */
  private track(advance: Promise<unknown>): void {
    const tracked: Promise<void> = advance.then(() => {}, (error) => this.fail('gate advance', error)).finally(() => this.advancing.delete(tracked));
    this.advancing.add(tracked);
  }

  private fail(where: string, error: unknown): void {
    this.log.error({ err: error, where }, 'command worker error');
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /**
   * BullMQ's errors are mostly its connections failing (Redis away, a refused password), once a
   * second while it reconnects: logged at most every 30 s per message, and still emitted.
   */
  private connectionError(connection: string): (error: unknown) => void {
    const log = logConnectionErrors(this.log, connection);
    return (error) => {
      log(error);
      if (this.listenerCount('error') > 0) this.emit('error', error);
    };
  }
}

/**
 * The job names a command type this worker's registry lacks but another's could have: a valid
 * type name. A type that is not even a name (missing, not a string) is malformed for every
 * registry and fails the job as before.
 */
function isTypeUnknownHere(error: unknown): error is UnknownCommandTypeError & { commandType: string } {
  if (!(error instanceof UnknownCommandTypeError)) return false;
  try {
    validateTypeName('command type', error.commandType);
    return true;
  } catch {
    return false;
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

/**
 * The gate's acceptance sequence goes into the command's metadata, and from there into every event
 * it causes, so `verify` can check each aggregate's events against the order its commands were
 * accepted in. It replaces any value a producer put there: only the gate's number counts.
 */
function withAcceptedSeq(command: CommandJobData, acceptedSeq: number | undefined): CommandJobData {
  if (acceptedSeq === undefined) return command;
  const extra = { ...command.metadata.extra, [ACCEPTANCE_KEY]: String(acceptedSeq) };
  return { ...command, metadata: { ...command.metadata, extra } };
}

/**
 * The followers a claim handed out, parsed and checked like any job, up to the first that is
 * malformed (it runs on its own later and fails there, with the reason in Bull Board).
 */
function parseFollowers(followers: Follower[], aggregateId: string, registry: CommandRegistry): CommandJobData[] {
  const parsed: CommandJobData[] = [];
  for (const follower of followers) {
    try {
      const command = parseCommandJob(follower.commandId, JSON.parse(follower.data), registry);
      if (command.aggregateId !== aggregateId) break;
      parsed.push(withAcceptedSeq(command, follower.acceptedSeq));
    } catch {
      break;
    }
  }
  return parsed;
}

/** The correlation id of a job's data as sent, which may be malformed (a job that failed parsing). */
function correlationIdOf(data: unknown): string | undefined {
  const id = (data as { metadata?: { correlationId?: unknown } } | undefined)?.metadata?.correlationId;
  return typeof id === 'string' ? id : undefined;
}
