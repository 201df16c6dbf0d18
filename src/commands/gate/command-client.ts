import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { CommandOutcome } from '../../envelope/codec.ts';
import { EventStore } from '../../store/event-store.ts';
import { toCommandJob, validateCommandId, type CommandJobData, type SendCommand } from './command-job.ts';
import { CommandClientClosedError, CommandFailedError, CommandTimeoutError, InvalidCommandError } from './errors.ts';
import { CommandGate, type HaltedAggregate } from './gate.ts';
import { bullJobOptions, type CommandJobOptions } from './job-options.ts';
import { outcomeFromRecord, parseRejection } from './outcome.ts';
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
  aggregateId: string;
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
    const unique = [...new Map(jobs.map((j) => [j.commandId, j])).values()];
    // One script stores the parked jobs and admits them to their gates (see enqueue.lua).
    await this.gate.enqueue(unique.map((data) => ({ aggregateId: data.aggregateId, commandId: data.commandId, name: jobName(data), data })), this.jobOptions);
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
    const recorded = await this.store.getProcessedCommand(commandId);
    if (recorded) return outcomeFromRecord(recorded);
    const { outcome, waiter } = this.waitFor(commandId, command.aggregateId, options.timeoutMs ?? 30_000);
    outcome.catch(() => {}); // observed below; avoids an unhandled rejection while send() runs
    try {
      await (await this.queueEvents()).waitUntilReady();
      await this.send({ ...command, commandId });
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
      const outcome = outcomeFromRecord(record);
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
      const rejected = parseRejection(commandId, job.data.aggregateId, job.failedReason);
      if (rejected) status.outcome = rejected;
    }
    return status;
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

  private waitFor(commandId: string, aggregateId: string, timeoutMs: number): { outcome: Promise<CommandOutcome>; waiter: Waiter } {
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
        aggregateId,
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
    const waiters = this.waiters.get(commandId);
    if (!waiters) return;
    const aggregateId = [...waiters][0]!.aggregateId;
    let outcome: CommandOutcome | undefined;
    let error: unknown;
    if (returnvalue !== undefined && returnvalue !== null && !failedReason) {
      outcome = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as CommandOutcome;
    } else {
      const reason = failedReason ?? 'unknown failure';
      outcome = parseRejection(commandId, aggregateId, reason);
      if (!outcome) error = new CommandFailedError(commandId, reason);
    }
    for (const w of [...waiters]) (outcome ? w.resolve(outcome) : w.reject(error));
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
