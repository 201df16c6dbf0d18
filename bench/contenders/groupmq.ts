import { Queue, Worker } from 'groupmq';
import { Redis } from 'ioredis';
import type { BenchCommand } from '../workload/command-workload.ts';
import type { CommandContender, RunConfig } from './contender.ts';
import { DomainConsumer } from './domain-consumer.ts';

const ATTEMPTS = 3;

/** groupmq prefixes every key with "groupmq:"; the namespace carries the run's prefix. */
function namespaceOf(config: RunConfig): string {
  return `${config.prefix}-${config.queueName}`;
}

/**
 * groupmq 1.1.0: per-group FIFO on Redis, one job per group at a time. A peer to measure, not a
 * dependency: a worker killed mid-job leaves its group stuck (groupmq issues 12 and 14).
 * Every job gets the same orderMs, so the group's order is the order Redis received the adds.
 */
export const groupmqContender: CommandContender = {
  name: 'groupmq',
  description: 'groupmq 1.1.0 queue, group = aggregate id (per-group FIFO), append with the loaded version',
  async createProducer(config) {
    const redis = new Redis(config.redisUrl);
    const queue = new Queue<BenchCommand>({ redis, namespace: namespaceOf(config), maxAttempts: ATTEMPTS });
    const orderMs = Date.now();
    return {
      async send(commands) {
        // Issued without awaiting each: ioredis sends them in this order on one connection.
        await Promise.all(commands.map((c) => queue.add({ groupId: c.aggregateId, data: c, jobId: c.commandId, orderMs })));
      },
      async close() {
        await queue.close();
        redis.disconnect();
      },
    };
  },
  async createConsumer(config) {
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue<BenchCommand>({ redis, namespace: namespaceOf(config), maxAttempts: ATTEMPTS });
    const domain = new DomainConsumer(config, { kind: 'reload' });
    const worker = new Worker<BenchCommand>({
      queue,
      concurrency: config.concurrency,
      handler: (job) => domain.handle(job.data, job.attempts + 1 >= ATTEMPTS),
      blockingTimeoutSec: 1,
    });
    worker.on('error', () => {});
    void worker.run();
    return {
      stats: () => domain.stats(),
      async close() {
        await worker.close(10_000);
        await queue.close();
        redis.disconnect();
        await domain.close();
      },
    };
  },
};
