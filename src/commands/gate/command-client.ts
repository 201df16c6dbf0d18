import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { CommandOutcome } from '../../envelope/codec.ts';
import { EventStore } from '../../store/event-store.ts';
import type { ProcessedCommand } from '../../store/types.ts';
import { toCommandJob, validateCommandId, type CommandJobData, type SendCommand } from './command-job.ts';
import { CommandClientClosedError, CommandFailedError, CommandIdReusedError, CommandTimeoutError, InvalidCommandError } from './errors.ts';
import { commandFingerprint, differingParts } from './fingerprint.ts';
import { CommandGate, type EnqueueCommand, type HaltedAggregate } from './gate.ts';
import { bullJobOptions, type CommandJobOptions } from './job-options.ts';
import { outcomeFromRecord } from './outcome.ts';
import type { CommandRegistry } from '../domain/registry.ts';
import { createLogger, logConnectionErrors, type Logger } from '../../logger.ts';

export interface CommandClientOptions {
  redisUrl: string;
  queueName: string;
  /** Prefix of every Redis key (BullMQ's and the gate's). */
  prefix: string;
  registry: CommandRegistry;
  /** The event store's database: outcomes of finished commands are looked up there. */
  pool: pg.Pool;
  /** Largest JSON payload accepted (default 1 MiB). */
  maxCommandBytes?: number;
  jobs?: CommandJobOptions;
  /** See GateOptions.parkMs; must be the same for every client and worker of a queue. */
  parkMs?: number;
  /** Where connection errors go (Redis refusing the password, Redis away). */
  logger?: Logger;
}

export type CommandState = 'queued' | 'waiting' | 'active' | 'retrying' | 'completed' | 'failed';

export interface CommandStatus {
  commandId: string;
  type: string;
  aggregateId: string;
  /** queued: behind earlier commands of its aggregate (or the aggregate is halted); waiting: next in line. */
  state: CommandState;
  attempts: number;
  outcome?: CommandOutcome;
  failedReason?: string;
}

interface Waiter {
  resolve(outcome: CommandOutcome): void;
  reject(error: unknown): void;
}

/**
 * Sends commands to the per-aggregate command queue. Commands are validated here (type, aggregate
 * id, payload schema and size), so a bad command is refused before anything is queued.
 */
export class CommandClient {
  readonly gate: CommandGate;
  private readonly queue: Queue;
  private readonly redis: Redis;
  private readonly store: EventStore;
  private readonly maxCommandBytes: number;
  private readonly jobOptions;
  private events: Promise<QueueEvents> | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly log: Logger;

  constructor(private readonly options: CommandClientOptions) {
    this.log = options.logger ?? createLogger({ name: 'command-client' });
    this.queue = new Queue(options.queueName, { connection: { url: options.redisUrl }, prefix: options.prefix });
    this.redis = new Redis(options.redisUrl);
    // ioredis reconnects by itself; while Redis is away, calls fail and their callers get the
    // error. The listeners log it once in a while (credentials redacted).
    this.redis.on('error', logConnectionErrors(this.log, 'redis (command gate)'));
    this.queue.on('error', logConnectionErrors(this.log, 'redis (command queue)'));
    this.gate = new CommandGate(this.redis, { prefix: options.prefix, queueName: options.queueName, parkMs: options.parkMs });
    this.store = new EventStore(options.pool);
    this.maxCommandBytes = options.maxCommandBytes ?? 1024 * 1024;
    this.jobOptions = bullJobOptions(options.jobs);
  }

  /**
   * Queues a command. Resolves once it is durably in Redis and admitted to its aggregate's gate
   * (its place in the aggregate's order is fixed from then on).
   * @throws InvalidInputError subclasses for a bad command (nothing is queued)
   */
  async send(command: SendCommand): Promise<{ commandId: string }> {
    const [result] = await this.sendMany([command]);
    return result!;
  }

  /**
   * Queues many commands with a few round trips. Commands of one aggregate are admitted in array
   * order. Every command is validated first: one bad command refuses the whole call, nothing queued.
   */
  async sendMany(commands: SendCommand[]): Promise<Array<{ commandId: string }>> {
    if (!Array.isArray(commands)) throw new InvalidCommandError('sendMany takes an array of commands');
    const jobs = commands.map((c) => toCommandJob(c, this.options.registry, this.maxCommandBytes));
    // An id generated here is new: only ids the producer chose can name a command the store knows.
    const chosen = new Set(commands.filter((c) => c.commandId !== undefined).map((c) => c.commandId!));
    await this.enqueue(jobs, chosen);
    return jobs.map((j) => ({ commandId: j.commandId }));
  }

  /**
   * Sends a command (unless its id already ran) and waits for its outcome: accepted with the new
   * version and event ids, or rejected with the domain's reason (code 'domain') or a version
   * conflict with the expected version the producer gave (code 'concurrency').
   * @throws CommandTimeoutError (the command stays queued), CommandFailedError (failed for good
   *   without a decision), InvalidInputError subclasses
   */
  async sendAndWait(command: SendCommand, options: { timeoutMs?: number } = {}): Promise<CommandOutcome> {
    const commandId = command.commandId ?? randomUUID();
    validateCommandId(commandId);
    const job = toCommandJob({ ...command, commandId }, this.options.registry, this.maxCommandBytes);
    const recorded = command.commandId === undefined ? undefined : await this.store.getProcessedCommand(commandId);
    if (recorded) {
      refuseIfRecordedOther(recorded, job);
      // The payload can only be compared while Redis keeps the job (and its fingerprint).
      const [queued] = uniqueCommands([job]);
      await this.gate.refuseIfReused(queued!);
      return this.recordedOutcome(recorded);
    }
    const { outcome, waiter } = this.waitFor(commandId, options.timeoutMs ?? 30_000);
    outcome.catch(() => {}); // observed below; avoids an unhandled rejection while send() runs
    try {
      await (await this.queueEvents()).waitUntilReady();
      await this.enqueue([job], new Set()); // its id was looked up in the store above
      await this.settleIfFinished(commandId);
    } catch (error) {
      waiter.reject(error); // not queued (bad command, Redis away): stop waiting, report why
    }
    return outcome;
  }

  /** Where a command is; undefined when it is unknown (never sent, or finished and forgotten by Redis and the store). */
  async getCommand(commandId: string): Promise<CommandStatus | undefined> {
    validateCommandId(commandId);
    // State before data: a job that finishes between the two reads then shows its return value
    // with an older state, never 'completed' without an outcome.
    const state = await this.queue.getJobState(commandId);
    const job = (await Job.fromId(this.queue, commandId)) as Job<CommandJobData> | undefined;
    if (!job) {
      const record = await this.store.getProcessedCommand(commandId);
      if (!record) return undefined;
      const outcome = await this.recordedOutcome(record);
      return { commandId, type: record.commandType, aggregateId: record.aggregateId, state: outcome.status === 'accepted' ? 'completed' : 'failed', attempts: 1, outcome };
    }
    const status: CommandStatus = {
      commandId,
      type: job.data.commandType,
      aggregateId: job.data.aggregateId,
      state: toCommandState(state, job.attemptsMade),
      attempts: job.attemptsMade,
    };
    if (state === 'completed') status.outcome = job.returnvalue as CommandOutcome;
    if (state === 'failed') {
      status.failedReason = job.failedReason;
      const rejected = await this.rejectionOf(commandId);
      if (rejected) status.outcome = rejected;
    }
    return status;
  }

  /**
   * A failed command's rejected outcome: kept on its job by the worker, or (for a job failed
   * before outcomes were kept there) as the store recorded it; undefined when it failed without
   * a decision.
   */
  private async rejectionOf(commandId: string): Promise<CommandOutcome | undefined> {
    const kept = await this.gate.rejectionOf(commandId);
    if (kept) return kept;
    const record = await this.store.getProcessedCommand(commandId);
    return record?.status === 'rejected' ? outcomeFromRecord(record) : undefined;
  }

  /** A recorded outcome, with a rejection's actual version from its job while Redis keeps it (the store has none). */
  private async recordedOutcome(record: ProcessedCommand): Promise<CommandOutcome> {
    if (record.status === 'accepted') return outcomeFromRecord(record);
    return (await this.gate.rejectionOf(record.commandId)) ?? outcomeFromRecord(record);
  }

  /** Commands in all aggregates' gates (queued or running). */
  backlogSize(): Promise<number> {
    return this.gate.size();
  }

  haltedAggregates(): Promise<HaltedAggregate[]> {
    return this.gate.haltedAggregates();
  }

  /** One page of the aggregates with queued commands, for operators (read only). */
  listAggregates(cursor: string, count: number) {
    return this.gate.listAggregates(cursor, count);
  }

  /** Lets a halted aggregate's queued commands run again. @throws AggregateNotHaltedError */
  resumeAggregate(aggregateId: string): Promise<void> {
    return this.gate.resume(aggregateId);
  }

  async close(): Promise<void> {
    for (const [commandId, waiters] of this.waiters) {
      for (const w of [...waiters]) w.reject(new CommandClientClosedError(commandId));
    }
    this.waiters.clear();
    if (this.events) await (await this.events).close();
    await this.queue.close();
    this.redis.disconnect();
  }

  /** Queues validated commands (see sendMany); `toCheck`: the ids to compare with what the store recorded. */
  private async enqueue(jobs: CommandJobData[], toCheck: ReadonlySet<string>): Promise<void> {
    const unique = uniqueCommands(jobs);
    if (toCheck.size > 0) await this.refuseReusedIds(unique.filter((c) => toCheck.has(c.commandId)));
    // One script stores the parked jobs and admits them to their gates (see enqueue.lua).
    await this.gate.enqueue(unique, this.jobOptions);
  }

  /**
   * The commands Redis may have forgotten (retention) are compared with what the store recorded
   * for their ids. Only type and aggregate can be: processed_commands keeps no payload (a
   * fingerprint column there would close that gap). One query per call, on the primary key, and
   * only for ids the producer chose: it roughly doubled the time of a send() on a loaded machine.
   */
  private async refuseReusedIds(commands: EnqueueCommand[]): Promise<void> {
    const sent = new Map(commands.map((c) => [c.commandId, c.data as CommandJobData]));
    for (const recorded of await this.store.getProcessedCommands([...sent.keys()])) refuseIfRecordedOther(recorded, sent.get(recorded.commandId)!);
  }

  private waitFor(commandId: string, timeoutMs: number): { outcome: Promise<CommandOutcome>; waiter: Waiter } {
    let waiter!: Waiter;
    const outcome = new Promise<CommandOutcome>((resolve, reject) => {
      const waiters = this.waiters.get(commandId) ?? new Set<Waiter>();
      this.waiters.set(commandId, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
        if (waiters.size === 0) this.waiters.delete(commandId);
      };
      waiter = {
        resolve: (o) => (done(), resolve(o)),
        reject: (e) => (done(), reject(e)),
      };
      const timer = setTimeout(() => waiter.reject(new CommandTimeoutError(commandId, timeoutMs)), timeoutMs);
      waiters.add(waiter);
    });
    return { outcome, waiter };
  }

  /** Covers a job that finished before the event listener was ready (or an id that ran before). */
  private async settleIfFinished(commandId: string): Promise<void> {
    const job = await Job.fromId(this.queue, commandId);
    if (job?.finishedOn) await this.settle(commandId, job.returnvalue, job.failedReason);
  }

  private async settle(commandId: string, returnvalue: unknown, failedReason: string | undefined): Promise<void> {
    if (!this.waiters.has(commandId)) return;
    let outcome: CommandOutcome | undefined;
    let error: unknown;
    if (returnvalue !== undefined && returnvalue !== null && !failedReason) {
      outcome = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as CommandOutcome;
    } else {
      // Only a failed command costs this read: its outcome, if it was rejected, is kept as data.
      try {
        outcome = await this.rejectionOf(commandId);
        if (!outcome) error = new CommandFailedError(commandId, failedReason ?? 'unknown failure');
      } catch (readError) {
        error = readError; // Redis or the store away: the waiter learns why instead of timing out
      }
    }
    for (const w of [...(this.waiters.get(commandId) ?? [])]) (outcome ? w.resolve(outcome) : w.reject(error));
  }

  private queueEvents(): Promise<QueueEvents> {
    this.events ??= (async () => {
      const events = new QueueEvents(this.options.queueName, { connection: { url: this.options.redisUrl }, prefix: this.options.prefix });
      events.on('completed', ({ jobId, returnvalue }) => void this.settle(jobId, returnvalue, undefined));
      events.on('failed', ({ jobId, failedReason }) => void this.settle(jobId, undefined, failedReason));
      // Reconnects by itself; waiters time out if events are lost.
      events.on('error', logConnectionErrors(this.log, 'redis (command outcomes)'));
      await events.waitUntilReady();
      return events;
    })();
    return this.events;
  }
}

/**
 * The commands of a call as the gate queues them, each id once. An id given twice for one command
 * is queued once; given for two different commands, the call is refused.
 * @throws CommandIdReusedError
 */
function uniqueCommands(jobs: CommandJobData[]): EnqueueCommand[] {
  const byId = new Map<string, EnqueueCommand>();
  for (const data of jobs) {
    const fingerprint = commandFingerprint(data);
    const first = byId.get(data.commandId);
    if (first && first.fingerprint !== fingerprint) {
      throw new CommandIdReusedError(data.commandId, differingParts(first.data as CommandJobData, data));
    }
    if (!first) byId.set(data.commandId, { aggregateId: data.aggregateId, commandId: data.commandId, name: jobName(data), data, fingerprint });
  }
  return [...byId.values()];
}

/** @throws CommandIdReusedError when the recorded command is of another type or aggregate than the one sent. */
function refuseIfRecordedOther(recorded: Pick<ProcessedCommand, 'commandType' | 'aggregateId'>, sent: CommandJobData): void {
  const differs = [
    ...(recorded.commandType !== sent.commandType ? ['type'] : []),
    ...(recorded.aggregateId !== sent.aggregateId ? ['aggregateId'] : []),
  ];
  if (differs.length > 0) throw new CommandIdReusedError(sent.commandId, differs);
}

function toCommandState(state: string, attemptsMade: number): CommandState {
  switch (state) {
    case 'delayed':
      return attemptsMade > 0 ? 'retrying' : 'queued';
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'active':
    case 'completed':
    case 'failed':
      return state;
    default:
      return 'queued';
  }
}

/**
 * A job's name: the command type and its aggregate, so that Bull Board's lists show which
 * aggregate each command is for (`UpdateOrderStatus order-42`). Nothing reads the type back from
 * the name: job data carries it.
 */
export function jobName(command: { commandType: string; aggregateId: string }): string {
  return `${command.commandType} ${command.aggregateId}`;
}
