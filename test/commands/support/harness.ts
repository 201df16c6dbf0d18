import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CommandClient, type CommandClientOptions } from '../../../src/commands/gate/command-client.ts';
import { CommandWorker, type CommandWorkerOptions, type OutcomeEvent } from '../../../src/commands/worker/command-worker.ts';
import type { CommandRegistry } from '../../../src/commands/domain/registry.ts';
import { exampleDomain } from '../../../examples/orders/domain/index.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from '../../support/database.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Harness {
  db: TestDatabase;
  prefix: string;
  queueName: string;
  registry: CommandRegistry;
  client: CommandClient;
  redis: Redis;
  /** The BullMQ queue itself, to look at jobs as Bull Board does or to add jobs behind the client's back. */
  queue: Queue;
  outcomes: OutcomeEvent[];
  startWorker(options?: Partial<CommandWorkerOptions>): Promise<CommandWorker>;
  close(): Promise<void>;
}

/** Its own database, Redis prefix and queue name; in-process workers, quick recovery settings. */
export async function createHarness(options: { registry?: CommandRegistry; client?: Partial<CommandClientOptions>; redisUrl?: string } = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const prefix = uniqueName('estest');
  const queueName = uniqueName('commands');
  const registry = options.registry ?? exampleDomain;
  const client = new CommandClient({ redisUrl, queueName, prefix, registry, pool: db.pool, ...options.client });
  const redis = new Redis(redisUrl);
  const queue = new Queue(queueName, { connection: { url: redisUrl }, prefix });
  const workers: CommandWorker[] = [];
  const outcomes: OutcomeEvent[] = [];
  return {
    db, prefix, queueName, registry, client, redis, queue, outcomes,
    async startWorker(workerOptions = {}) {
      const worker = new CommandWorker({
        redisUrl, queueName, prefix, registry, pool: db.pool, concurrency: 20,
        lockDurationMs: 5_000, stalledIntervalMs: 2_000, reconcileIntervalMs: 500, reconcileAfterMs: 1_000,
        ...options.client, ...workerOptions,
      });
      worker.on('outcome', (o: OutcomeEvent) => outcomes.push(o));
      await worker.start();
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await client.close();
      await queue.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await db.drop();
    },
  };
}

/** Removes this test's own keys (its random prefix); never anything else. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
