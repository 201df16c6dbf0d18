import { readFileSync } from 'node:fs';
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { EventStoreError, InvalidInputError } from '../../errors.ts';
import { CommandIdReusedError } from './errors.ts';
import { differingParts } from './fingerprint.ts';
import { parseRejectedOutcome, type RejectedOutcome } from './outcome.ts';

/**
 * The per-aggregate ordering gate on top of open-source BullMQ (which has no groups).
 *
 * Every command is a BullMQ job whose id is the command id, stored parked (delayed by `parkMs`)
 * by the same script that admits it to its aggregate's FIFO list of command ids in Redis. Only the
 * head of a list is promoted into the queue's wait list, and only the head may run (checked again
 * when a worker picks a job, so a job promoted by anything else, or whose park delay ran out, is
 * parked again). The head's worker takes the commands parked behind it (followers) along and
 * appends them in the head's statement; then one script completes the followers, pops the head and
 * promotes the next. BullMQ retries with backoff are safe: the followers stay parked behind the
 * retrying head. Every step is an idempotent Lua script (in
 * ./lua, each with a header naming its keys and arguments); a crash between two steps is healed by
 * the reconciler (see reconciler.ts). Nothing in a process's memory matters for ordering.
 */

export type AdmitStatus = 'head' | 'parked' | 'finished';
/** What enqueue.lua answers per command; 'foreign', 'reused' and 'unwritten' only when it wrote nothing. */
type EnqueueStatus = AdmitStatus | 'foreign' | 'reused' | 'unwritten';
export type ClaimStatus = 'head' | 'parked' | 'halted';
export type HeadState = 'completed' | 'failed' | 'missing' | 'parked' | 'busy';

export interface Claim {
  status: ClaimStatus;
  /** With 'head': the aggregate's version after its previous command, when the gate knows it. */
  version: number | undefined;
  /** With 'head': the command's acceptance sequence number. */
  acceptedSeq: number | undefined;
  /** With 'head': the commands parked right behind it, in gate order (see claim.lua). */
  followers: Follower[];
}

/** A command parked behind its gate's head, handed to the head's worker to run in the same append. */
export interface Follower {
  commandId: string;
  /** The BullMQ job data, as stored (JSON); the worker parses and checks it like any job's. */
  data: string;
  acceptedSeq: number | undefined;
}

export interface HaltedAggregate {
  aggregateId: string;
  commandId: string;
  reason: string;
  haltedAt: string;
}

export interface EnqueueCommand {
  aggregateId: string;
  commandId: string;
  /** The BullMQ job name (the command type, as Bull Board lists it). */
  name: string;
  /** The BullMQ job data (CommandJobData for the client's commands). */
  data: unknown;
  /** See commandFingerprint; without one, a reused id is not detected for this command. */
  fingerprint?: string;
}

/** An aggregate with queued commands, as an operator sees it (see list-aggregates.lua). */
export interface QueuedAggregate {
  aggregateId: string;
  /** Commands in its gate, the head included. */
  queuedCommands: number;
  /** When its oldest queued command (the head) was added, ms since the epoch. */
  oldestQueuedAt: number | undefined;
  head: {
    commandId: string;
    /** The BullMQ job name. */
    name: string;
    state: 'running' | 'waiting' | 'parked' | 'retrying' | 'finished' | 'missing';
    /** When a worker last took it (ms since the epoch). */
    startedAt: number | undefined;
    /** The worker that last took it (BullMQ processedBy), when workers are named. */
    worker: string | undefined;
    attemptsMade: number;
  };
  /** Set when the aggregate is halted: the failure that halted it. */
  halted?: Omit<HaltedAggregate, 'aggregateId'>;
}

export interface GateOptions {
  prefix: string;
  queueName: string;
  /** How long a parked job is delayed (ms). It wakes up once per period and is parked again. */
  parkMs?: number;
}

/** The aggregate is not halted, so it cannot be resumed. */
export class AggregateNotHaltedError extends EventStoreError {
  override readonly code = 'aggregate_not_halted';
  constructor(readonly aggregateId: string) {
    super(`aggregate "${aggregateId}" is not halted`);
  }
}

/**
 * A command's job key holds something that is not a command job (one of the queue's own keys, or
 * anything else written there): the command was not queued, and nothing of its call was written.
 */
export class ForeignJobKeyError extends InvalidInputError {
  override readonly code = 'invalid_command_id';
  constructor(readonly commandIds: string[]) {
    super(`command id(s) ${commandIds.map((id) => JSON.stringify(id)).join(', ')} name a Redis key that is not a command job; nothing was queued`);
  }
}

/** The metadata.extra field of every event that holds its command's acceptance sequence number. */
export const ACCEPTANCE_KEY = 'acceptedSeq';

/** Commands stored and admitted per script call. */
const ENQUEUE_CHUNK = 500;

/** One hour: short enough that an orphaned job heals by itself, far above any retry backoff. */
export const DEFAULT_PARK_MS = 60 * 60 * 1000;

const SCRIPTS = ['enqueue', 'claim', 'advance', 'inspect', 'resume', 'promote', 'record-rejection', 'list-aggregates', 'oldest-queued'] as const;
const readLua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
const PROMOTE_INCLUDE = readLua('promote.include');
const LUA = Object.fromEntries(
  SCRIPTS.map((name) => [name, readLua(name).replace('-- @include promote', () => PROMOTE_INCLUDE)]),
) as Record<(typeof SCRIPTS)[number], string>;

type GateRedis = Redis & {
  esGateEnqueue(...args: (string | number)[]): Promise<EnqueueStatus[]>;
  esGateClaim(...args: (string | number)[]): Promise<[ClaimStatus, string | null, string | null, ...(string | null)[]]>;
  esGateAdvance(...args: (string | number)[]): Promise<[string | null, number]>;
  esGateInspect(...args: (string | number)[]): Promise<string[]>;
  esGateResume(...args: (string | number)[]): Promise<['resumed' | 'not_halted', string | null]>;
  esGatePromote(...args: (string | number)[]): Promise<number>;
  esGateRecordRejection(...args: (string | number)[]): Promise<number>;
  esGateListAggregates(...args: (string | number)[]): Promise<[string, ...(string | number)[]]>;
  esGateOldestQueued(...args: (string | number)[]): Promise<[number | null, number]>;
};

export class CommandGate {
  readonly parkMs: number;
  private readonly redis: GateRedis;
  /** BullMQ's key prefix of this queue: `${prefix}:${queueName}:`. */
  private readonly queueKey: string;
  private readonly keys: { backlog: string; halted: string; size: string; versions: string; acceptedSeq: string; delayed: string };

  constructor(redis: Redis, options: GateOptions) {
    this.parkMs = options.parkMs ?? DEFAULT_PARK_MS;
    this.queueKey = `${options.prefix}:${options.queueName}:`;
    const gateKey = `${this.queueKey}gate:`;
    this.keys = { backlog: `${gateKey}backlog`, halted: `${gateKey}halted`, size: `${gateKey}size`, versions: `${gateKey}versions`,
      acceptedSeq: `${gateKey}seq`, delayed: `${this.queueKey}delayed` };
    this.redis = redis as GateRedis;
    defineScripts(redis);
  }

  /** When a newly added job is due: parked, so only the gate's promotion makes it run. */
  parkUntil(now = Date.now()): number {
    return now + this.parkMs;
  }

  /**
   * Stores commands as parked BullMQ jobs and admits them to their gates in the given order, in one
   * step (see enqueue.lua); those that head their gate are promoted. Returns each one's status.
   * `options` are the BullMQ job options every command shares (attempts, backoff, retention).
   * `fingerprint` (see fingerprint.ts) is kept with the job; a command whose id is taken by a job
   * with another fingerprint refuses the whole call.
   * @throws ForeignJobKeyError, CommandIdReusedError (nothing of the call written)
   */
  async enqueue(commands: EnqueueCommand[], options: JobsOptions): Promise<AdmitStatus[]> {
    const shared = JSON.stringify(options);
    const statuses: AdmitStatus[] = [];
    // A script blocks Redis while it runs, so a few hundred commands each; one after the other, so
    // a failure leaves a prefix queued and a retried call keeps the order (stored ones are skipped).
    for (let i = 0; i < commands.length; i += ENQUEUE_CHUNK) {
      const chunk = commands.slice(i, i + ENQUEUE_CHUNK);
      const keys = chunk.flatMap((c) => [this.gateList(c.aggregateId), this.queueKey + c.commandId]);
      const args = chunk.flatMap((c) => [c.aggregateId, c.commandId, c.name, JSON.stringify(c.data), c.fingerprint ?? '']);
      const answered = await this.redis.esGateEnqueue(
        8 + keys.length, this.keys.backlog, this.keys.halted, this.keys.size, this.keys.acceptedSeq,
        this.keys.delayed, `${this.queueKey}marker`, `${this.queueKey}meta`, `${this.queueKey}events`, ...keys,
        Date.now(), this.parkMs, this.queueKey, ...args, shared,
      );
      const foreign = chunk.filter((_, j) => answered[j] === 'foreign').map((c) => c.commandId);
      if (foreign.length > 0) throw new ForeignJobKeyError(foreign);
      const reused = chunk.find((_, j) => answered[j] === 'reused');
      if (reused) throw await this.reusedError(reused);
      statuses.push(...(answered as AdmitStatus[]));
    }
    return statuses;
  }

  /**
   * May this command run now? Admits it at the tail if it was never admitted. With 'head', also
   * what the worker needs to run it (see Claim), including up to `maxFollowers` commands parked
   * right behind it.
   */
  async claim(aggregateId: string, commandId: string, maxFollowers = 0): Promise<Claim> {
    const [status, version, acceptedSeq, ...rest] = await this.redis.esGateClaim(
      this.gateList(aggregateId), this.keys.backlog, this.keys.halted, this.keys.size, this.keys.versions, this.keys.acceptedSeq,
      this.queueKey + commandId, this.keys.delayed, aggregateId, commandId, Date.now(), maxFollowers, this.queueKey,
    );
    const followers: Follower[] = [];
    for (let i = 0; i < rest.length; i += 3) {
      followers.push({ commandId: rest[i]!, data: rest[i + 1]!, acceptedSeq: optionalNumber(rest[i + 2]) });
    }
    return { status, version: optionalNumber(version), acceptedSeq: optionalNumber(acceptedSeq), followers };
  }

  /**
   * The command finished for good: pop it (if still the head) and promote the next one, in one step.
   * With `halt`, the aggregate is halted instead and its next command stays parked. `version` (the
   * aggregate's version after the command) lets the next command's worker trust its cache.
   * `followers`, appended in the command's statement, are completed first, each with its outcome
   * as the job's return value (see advance.lua); returns how many were.
   */
  async advance(
    aggregateId: string,
    commandId: string,
    options: { halt?: { reason: string }; version?: number; followers?: Array<{ commandId: string; outcome: unknown }> } = {},
  ): Promise<number> {
    const { halt, version, followers = [] } = options;
    const record = halt ? JSON.stringify({ commandId, reason: halt.reason, haltedAt: new Date().toISOString() }) : '';
    const [, finished] = await this.redis.esGateAdvance(
      this.gateList(aggregateId), this.keys.backlog, this.keys.halted, this.keys.size, this.keys.versions,
      aggregateId, commandId, Date.now(), record, version ?? '', this.queueKey,
      ...followers.flatMap((f) => [f.commandId, JSON.stringify(f.outcome)]),
    );
    return finished;
  }

  /**
   * Moves a parked job into the wait list; returns false (and changes nothing) when it is not
   * parked: already promoted, running or finished. Promotion is idempotent by design.
   */
  async promote(commandId: string): Promise<boolean> {
    return (await this.redis.esGatePromote(this.queueKey, commandId)) === 1;
  }

  /**
   * Keeps a rejected command's outcome on its job (see record-rejection.lua), for rejectionOf.
   * The worker calls it before failing the job, so the outcome is there when 'failed' is seen.
   */
  async recordRejection(outcome: RejectedOutcome): Promise<void> {
    await this.redis.esGateRecordRejection(this.queueKey + outcome.commandId, JSON.stringify(outcome));
  }

  /** The rejected outcome kept on a command's job, if the job is still in Redis and was rejected. */
  async rejectionOf(commandId: string): Promise<RejectedOutcome | undefined> {
    return parseRejectedOutcome(await this.redis.hget(this.queueKey + commandId, 'rejection'));
  }

  /** Heads of aggregates with no progress for `staleMs`, with their job states (see inspect.lua). */
  async inspectStale(staleMs: number, limit: number): Promise<Array<{ aggregateId: string; commandId: string; state: HeadState }>> {
    const now = Date.now();
    const flat = await this.redis.esGateInspect(
      this.keys.backlog, this.keys.halted, this.keys.delayed,
      now, now - staleMs, limit, `${this.queueKey}gate:q:`, this.queueKey, now + this.parkMs / 2,
    );
    const heads = [];
    for (let i = 0; i < flat.length; i += 3) {
      heads.push({ aggregateId: flat[i]!, commandId: flat[i + 1]!, state: flat[i + 2] as HeadState });
    }
    return heads;
  }

  /** Number of commands in all gates (waiting behind their aggregate's head, or the head itself). */
  async size(): Promise<number> {
    return Number((await this.redis.get(this.keys.size)) ?? 0);
  }

  /** Number of aggregates with at least one command in their gate. */
  async activeAggregates(): Promise<number> {
    return this.redis.zcard(this.keys.backlog);
  }

  /** The commands of one aggregate's gate, head first. */
  async pending(aggregateId: string): Promise<string[]> {
    return this.redis.lrange(this.gateList(aggregateId), 0, -1);
  }

  /**
   * One page of the aggregates with queued commands (read only; see list-aggregates.lua). Start
   * with cursor '0'; nextCursor is undefined on the last page. `count` is a hint.
   */
  async listAggregates(cursor = '0', count = 100): Promise<{ aggregates: QueuedAggregate[]; nextCursor: string | undefined }> {
    const [next, ...flat] = await this.redis.esGateListAggregates(
      this.keys.backlog, this.keys.halted, cursor, count, `${this.queueKey}gate:q:`, this.queueKey,
    );
    const aggregates: QueuedAggregate[] = [];
    for (let i = 0; i < flat.length; i += 10) {
      const [aggregateId, queued, commandId, name, addedAt, startedAt, worker, state, attempts, halted] = flat.slice(i, i + 10).map(String);
      aggregates.push({
        aggregateId: aggregateId!,
        queuedCommands: Number(queued),
        oldestQueuedAt: optionalNumber(addedAt),
        head: { commandId: commandId!, name: name!, state: state as QueuedAggregate['head']['state'], startedAt: optionalNumber(startedAt), worker: worker || undefined, attemptsMade: Number(attempts) },
        ...(halted ? { halted: JSON.parse(halted) as Omit<HaltedAggregate, 'aggregateId'> } : {}),
      });
    }
    return { aggregates, nextCursor: next === '0' ? undefined : next };
  }

  /** When the oldest queued command was added (ms), over at most `bound` aggregates (see oldest-queued.lua). */
  async oldestQueuedAt(bound = 10_000): Promise<number | undefined> {
    const [oldest] = await this.redis.esGateOldestQueued(this.keys.backlog, bound, `${this.queueKey}gate:q:`, this.queueKey);
    return oldest ?? undefined;
  }

  async haltedAggregates(): Promise<HaltedAggregate[]> {
    const all = await this.redis.hgetall(this.keys.halted);
    return Object.entries(all).map(([aggregateId, json]) => ({ aggregateId, ...(JSON.parse(json) as Omit<HaltedAggregate, 'aggregateId'>) }));
  }

  /**
   * Lets a halted aggregate's later commands run again.
   * @throws AggregateNotHaltedError
   */
  async resume(aggregateId: string): Promise<void> {
    const [status] = await this.redis.esGateResume(this.gateList(aggregateId), this.keys.halted, this.keys.backlog, aggregateId, Date.now(), this.queueKey);
    if (status === 'not_halted') throw new AggregateNotHaltedError(aggregateId);
  }

  /**
   * For a command already processed: refuses it when its job, still in Redis, holds another
   * command under its id. Reads only; enqueue.lua does the same check when it queues.
   * @throws CommandIdReusedError
   */
  async refuseIfReused(command: EnqueueCommand): Promise<void> {
    const stored = await this.redis.hget(this.queueKey + command.commandId, 'fingerprint');
    if (stored && command.fingerprint && stored !== command.fingerprint) throw await this.reusedError(command);
  }

  /** Names what differs between the refused command and the one its id names (read only on refusal). */
  private async reusedError(command: EnqueueCommand): Promise<CommandIdReusedError> {
    const stored = await this.redis.hget(this.queueKey + command.commandId, 'data');
    let differs: string[] = [];
    try {
      differs = differingParts(JSON.parse(stored ?? 'null') ?? {}, command.data as Parameters<typeof differingParts>[1]);
    } catch {
      // Unreadable job data: the error still names the id; what differs stays unsaid.
    }
    return new CommandIdReusedError(command.commandId, differs);
  }

  private gateList(aggregateId: string): string {
    return `${this.queueKey}gate:q:${aggregateId}`;
  }
}

function defineScripts(redis: Redis): void {
  if ((redis as unknown as Partial<GateRedis>).esGateEnqueue) return;
  redis.defineCommand('esGateEnqueue', { lua: LUA.enqueue });
  redis.defineCommand('esGateClaim', { lua: LUA.claim, numberOfKeys: 8 });
  redis.defineCommand('esGateAdvance', { lua: LUA.advance, numberOfKeys: 5 });
  redis.defineCommand('esGateInspect', { lua: LUA.inspect, numberOfKeys: 3 });
  redis.defineCommand('esGateResume', { lua: LUA.resume, numberOfKeys: 3 });
  redis.defineCommand('esGatePromote', { lua: LUA.promote, numberOfKeys: 0 });
  redis.defineCommand('esGateRecordRejection', { lua: LUA['record-rejection'], numberOfKeys: 1 });
  redis.defineCommand('esGateListAggregates', { lua: LUA['list-aggregates'], numberOfKeys: 2 });
  redis.defineCommand('esGateOldestQueued', { lua: LUA['oldest-queued'], numberOfKeys: 1 });
}

function optionalNumber(value: string | null | undefined): number | undefined {
  return value ? Number(value) : undefined;
}
