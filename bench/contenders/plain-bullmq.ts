import { Queue, Worker } from 'bullmq';
import type { BenchCommand } from '../workload/command-workload.ts';
import { redisOptions, type CommandContender, type Consumer, type Producer, type RunConfig } from './contender.ts';
import { DomainConsumer } from './domain-consumer.ts';
import type { ConflictPolicy } from './domain-work.ts';

const ATTEMPTS = 3;

/** A BullMQ producer: one addBulk per chunk (one MULTI, so the chunk's order is kept). */
export async function bullmqProducer(config: RunConfig, queueOf: (command: BenchCommand) => string): Promise<Producer> {
  const queues = new Map<string, Queue>();
  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) queues.set(name, (q = new Queue(name, { connection: redisOptions(config.redisUrl), prefix: config.prefix })));
    return q;
  };
  return {
    async send(commands) {
      const byQueue = new Map<string, BenchCommand[]>();
      for (const command of commands) {
        const name = queueOf(command);
        byQueue.set(name, [...(byQueue.get(name) ?? []), command]);
      }
      await Promise.all(
        [...byQueue].map(([name, chunk]) =>
          queue(name).addBulk(chunk.map((c) => ({ name: c.commandType, data: c, opts: { jobId: c.commandId, attempts: ATTEMPTS } }))),
        ),
      );
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

/** BullMQ workers on the given queues, running the shared domain work. */
export function bullmqConsumer(config: RunConfig, queueNames: string[], concurrency: number, policy: ConflictPolicy): Consumer {
  const domain = new DomainConsumer(config, policy);
  const workers = queueNames.map(
    (name) =>
      new Worker<BenchCommand>(name, (job) => domain.handle(job.data, job.attemptsMade + 1 >= ATTEMPTS), {
        connection: redisOptions(config.redisUrl),
        prefix: config.prefix,
        concurrency,
      }),
  );
  for (const worker of workers) worker.on('error', () => {}); // connection blips: BullMQ reconnects
  return {
    stats: () => domain.stats(),
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await domain.close();
    },
  };
}

export const plainBullmq: CommandContender = {
  name: 'BullMQ, no ordering',
  description: 'one plain BullMQ queue, no per-aggregate ordering, append with expectedVersion any: the upper bound of the queue',
  createProducer: (config) => bullmqProducer(config, () => config.queueName),
  createConsumer: async (config) => bullmqConsumer(config, [config.queueName], config.concurrency, { kind: 'blind' }),
};

export const optimistic: CommandContender = {
  name: 'optimistic retry',
  description:
    'the original article: no per-aggregate queue (plain BullMQ), load, append with the loaded version, on conflict back off and retry',
  createProducer: (config) => bullmqProducer(config, () => config.queueName),
  createConsumer: async (config) =>
    bullmqConsumer(config, [config.queueName], config.concurrency, { kind: 'backoff', baseMs: 2, maxMs: 200, maxAttempts: 50 }),
};
