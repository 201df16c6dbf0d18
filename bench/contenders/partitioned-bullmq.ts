import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { redisOptions, type CommandContender } from './contender.ts';
import { bullmqConsumer, bullmqProducer } from './plain-bullmq.ts';

/** queue name of partition hash(aggregateId) % partitions */
function partitionQueue(queueName: string, aggregateId: string, partitions: number): string {
  return `${queueName}-p${createHash('md5').update(aggregateId).digest().readUInt32BE(0) % partitions}`;
}

function partitionQueues(queueName: string, partitions: number): string[] {
  return Array.from({ length: partitions }, (_, i) => `${queueName}-p${i}`);
}

/**
 * The simple way to order per key on open-source BullMQ: N queues by hash(aggregateId) % N, each
 * with global concurrency 1. Parallelism is capped at N, a slow aggregate blocks its partition,
 * and a retry with backoff reorders.
 */
export const partitionedBullmq: CommandContender = {
  name: 'BullMQ, hash partitions',
  description: 'N BullMQ queues by hash(aggregateId) % N, global concurrency 1 each, append with the loaded version',
  async createProducer(config) {
    await Promise.all(
      partitionQueues(config.queueName, config.partitions).map(async (name) => {
        const queue = new Queue(name, { connection: redisOptions(config.redisUrl), prefix: config.prefix });
        await queue.setGlobalConcurrency(1);
        await queue.close();
      }),
    );
    return bullmqProducer(config, (c) => partitionQueue(config.queueName, c.aggregateId, config.partitions));
  },
  createConsumer: async (config) =>
    bullmqConsumer(config, partitionQueues(config.queueName, config.partitions), 1, { kind: 'reload' }),
};
