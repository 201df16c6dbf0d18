import { setTimeout as sleep } from 'node:timers/promises';
import { EventStore } from '../../src/store/event-store.ts';
import type { CommandContender, ConsumerStats, RunConfig } from '../contenders/contender.ts';
import type { BenchContext } from '../support/bench-context.ts';
import { uniqueName, withBenchDatabase } from '../support/bench-database.ts';
import { median, nowMs, round, summarizeLatencies } from '../support/percentiles.ts';
import { deleteKeysWithPrefix } from '../support/redis-keys.ts';
import { alternateRounds } from '../support/rounds.ts';
import type { ContenderResult, Figures } from '../support/scenario-result.ts';
import { WorkerProcesses } from '../support/worker-processes.ts';
import { countProcessed, readOutcomes, type CommandOutcomes } from '../workload/command-outcomes.ts';
import { aggregatesOf, type BenchCommand } from '../workload/command-workload.ts';

const CONSUMER_ENTRY = new URL('../contenders/consumer-process.ts', import.meta.url);
const SEND_CHUNK = 200;
const POOL_SIZE = 10;

/** One contender run: a fresh database and Redis prefix, N worker processes, the whole workload. */
export interface CommandRun {
  commandsPerSecond: number;
  latenciesMs: number[];
  outcomes: CommandOutcomes;
  stats: ConsumerStats;
  /** Commands neither recorded in the store nor failed for good when the run gave up. */
  lost: number;
  /** The largest worker process RSS once every command was done, before shutdown. */
  maxWorkerRssMb: number;
}

export interface RunShape {
  /** Events every aggregate has before the clock starts (OrderCreated, then status updates); default 1. */
  priorEvents?: number;
  /** Worker processes (default: --workers). */
  workers?: number;
}

/** Runs every contender on the workload, in alternating rounds, and summarizes each. */
export async function raceContenders(
  context: BenchContext,
  scenario: string,
  all: ReadonlyArray<CommandContender & { shape?: RunShape; label?: string }>,
  workload: readonly BenchCommand[],
): Promise<ContenderResult[]> {
  const { options, log } = context;
  const wanted = options.contenders;
  const contenders = !wanted ? all : all.filter((c) => wanted.some((prefix) => labelOf(c).startsWith(prefix)));
  const runs = await alternateRounds(
    contenders.map((contender) => ({ name: labelOf(contender), run: () => runContender(contender, workload, context, contender.shape) })),
    options.rounds,
    (name, round, r) =>
      log(
        `${scenario} round ${round + 1} ${name}: ${Math.round(r.commandsPerSecond)} commands/s, ` +
          `${r.stats.conflicts} conflicts, ${r.outcomes.orderingViolations} ordering violations`,
      ),
  );
  return contenders.map((contender) => summarize(contender, labelOf(contender), runs.get(labelOf(contender))!));
}

function labelOf(contender: CommandContender & { label?: string }): string {
  return contender.label ?? contender.name;
}

export async function runContender(
  contender: CommandContender,
  workload: readonly BenchCommand[],
  { options }: BenchContext,
  shape: RunShape = {},
): Promise<CommandRun> {
  return withBenchDatabase(async (db) => {
    await createAggregates(new EventStore(db.pool), aggregatesOf(workload), shape.priorEvents ?? 1);
    const config: RunConfig = {
      databaseUrl: db.url,
      redisUrl: options.redisUrl,
      prefix: uniqueName('bench'),
      queueName: 'commands',
      concurrency: options.concurrency,
      partitions: options.partitions,
      poolSize: POOL_SIZE,
    };
    const producer = await contender.createProducer(config);
    let workers: WorkerProcesses<ConsumerStats> | undefined;
    try {
      workers = await WorkerProcesses.start<ConsumerStats>(CONSUMER_ENTRY, shape.workers ?? options.workers, {
        BENCH_CONSUMER: JSON.stringify({ contender: contender.name, config }),
      }, options.cpuProfileDir);
      const sentAt = new Map<string, number>();
      const started = nowMs();
      for (let i = 0; i < workload.length; i += SEND_CHUNK) {
        const chunk = workload.slice(i, i + SEND_CHUNK);
        const at = nowMs();
        for (const command of chunk) sentAt.set(command.commandId, at);
        await producer.send(chunk);
      }
      const finished = await waitForAll(db.pool, workload.length, workers);
      await sleep(200); // one more stats report from every process
      const maxWorkerRssMb = Math.max(...workers.latest().map((r) => r.rssBytes)) / 2 ** 20;
      const reports = await workers.stop();
      const stats = sumStats(reports.map((r) => r.stats));
      const outcomes = await readOutcomes(db.pool, workload, sentAt);
      return {
        commandsPerSecond: outcomes.processed / ((outcomes.lastCommitMs - started) / 1000),
        latenciesMs: outcomes.latenciesMs,
        outcomes,
        stats,
        lost: finished ? 0 : workload.length - outcomes.processed - stats.failed,
        maxWorkerRssMb,
      };
    } finally {
      await workers?.kill();
      await producer.close();
      await deleteKeysWithPrefix(options.redisUrl, config.prefix);
    }
  }, 4);
}

/**
 * Every aggregate exists (OrderCreated, then priorEvents - 1 status updates) before the clock
 * starts, so every command is valid in any order.
 */
async function createAggregates(store: EventStore, aggregateIds: string[], priorEvents: number): Promise<void> {
  const created = { eventType: 'OrderCreated', data: Buffer.from(JSON.stringify({ customerId: 'customer-1', total: 100 })) };
  const updated = { eventType: 'OrderStatusUpdated', data: Buffer.from(JSON.stringify({ status: 'paid' })) };
  const perStatement = Math.max(1, Math.floor(5_000 / priorEvents));
  for (let i = 0; i < aggregateIds.length; i += perStatement) {
    const ids = aggregateIds.slice(i, i + perStatement);
    for (let written = 0; written < priorEvents; written += 5_000) {
      const count = Math.min(5_000, priorEvents - written);
      await store.appendMany(
        ids.map((aggregateId) => ({
          aggregateId,
          aggregateType: 'Order',
          events: Array.from({ length: count }, (_, k) => (written + k === 0 ? created : updated)),
          expectedVersion: written === 0 ? ('no_stream' as const) : written,
        })),
      );
    }
  }
}

/**
 * Waits until every command is recorded in the store or failed for good; gives up when nothing
 * moved for 30 s (a stuck queue is a result too: reported as lost).
 */
async function waitForAll(pool: import('pg').Pool, total: number, workers: WorkerProcesses<ConsumerStats>): Promise<boolean> {
  let last = -1;
  let lastMove = Date.now();
  for (;;) {
    const failed = sumStats(workers.latest().map((r) => r.stats)).failed;
    const done = (await countProcessed(pool)) + failed;
    if (done >= total) return true;
    if (done !== last) [last, lastMove] = [done, Date.now()];
    if (Date.now() - lastMove > 30_000) return false;
    await sleep(50);
  }
}

function sumStats(all: Array<ConsumerStats | undefined>): ConsumerStats {
  const sum = { processed: 0, failed: 0, conflicts: 0, retries: 0 };
  for (const stats of all) {
    if (!stats) continue;
    sum.processed += stats.processed;
    sum.failed += stats.failed;
    sum.conflicts += stats.conflicts;
    sum.retries += stats.retries;
  }
  return sum;
}

function summarize(contender: CommandContender, name: string, runs: CommandRun[]): ContenderResult {
  const latency = summarizeLatencies(runs.flatMap((r) => r.latenciesMs));
  const total = (pick: (r: CommandRun) => number): number => runs.reduce((sum, r) => sum + pick(r), 0);
  const figures: Figures = {
    commandsPerSecond: round(median(runs.map((r) => r.commandsPerSecond)), 0),
    p50Ms: latency.p50Ms,
    p95Ms: latency.p95Ms,
    p99Ms: latency.p99Ms,
    conflicts: total((r) => r.stats.conflicts),
    retries: total((r) => r.stats.retries),
    orderingViolations: total((r) => r.outcomes.orderingViolations),
    rejected: total((r) => r.outcomes.rejected),
    failed: total((r) => r.stats.failed),
    lost: total((r) => r.lost),
    maxWorkerRssMb: round(Math.max(...runs.map((r) => r.maxWorkerRssMb)), 0),
  };
  return {
    name,
    description: contender.description,
    figures,
    rounds: runs.map((r) => ({ commandsPerSecond: round(r.commandsPerSecond, 0), conflicts: r.stats.conflicts })),
  };
}

export const COMMAND_COLUMNS = [
  { key: 'commandsPerSecond', label: 'commands/s' },
  { key: 'p50Ms', label: 'p50 ms' },
  { key: 'p95Ms', label: 'p95 ms' },
  { key: 'p99Ms', label: 'p99 ms' },
  { key: 'conflicts', label: 'version conflicts' },
  { key: 'retries', label: 'retries' },
  { key: 'orderingViolations', label: 'ordering violations' },
  { key: 'lost', label: 'lost' },
];
