import type { BenchCommand } from '../workload/command-workload.ts';

/** Everything one contender run needs; each run gets its own database, Redis prefix and queue name. */
export interface RunConfig {
  databaseUrl: string;
  redisUrl: string;
  /** Every Redis key of the run starts with this (BullMQ prefix, groupmq namespace): cleanup deletes it. */
  prefix: string;
  queueName: string;
  /** Commands a worker process runs at once. */
  concurrency: number;
  /** Queues of the hash-partitioned contender. */
  partitions: number;
  /** PostgreSQL connections per worker process. */
  poolSize: number;
}

/** The producer side of a contender, in the bench process. */
export interface Producer {
  /** Queues a chunk of commands durably, keeping their order per aggregate. */
  send(commands: readonly BenchCommand[]): Promise<void>;
  close(): Promise<void>;
}

/** Figures a worker process reports; fields a contender cannot know stay undefined. */
export interface ConsumerStats {
  processed: number;
  failed: number;
  conflicts: number;
  retries: number;
}

/** The worker side of a contender, inside a worker process. */
export interface Consumer {
  stats(): ConsumerStats;
  /** Stops taking commands, finishes the running ones, closes connections. */
  close(): Promise<void>;
}

export interface CommandContender {
  name: string;
  description: string;
  createProducer(config: RunConfig): Promise<Producer>;
  /** Called in each worker process (see consumer-process.ts). */
  createConsumer(config: RunConfig): Promise<Consumer>;
}

/** ioredis options for BullMQ: workers need maxRetriesPerRequest null for their blocking calls. */
export function redisOptions(url: string): { host: string; port: number; maxRetriesPerRequest: null } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379), maxRetriesPerRequest: null };
}
