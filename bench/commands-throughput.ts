/**
 * Rough end-to-end throughput of the command path (send -> gate -> worker -> PostgreSQL append ->
 * job completed -> gate advanced), next to plain BullMQ with a no-op processor on the same number
 * of jobs. Not a test: numbers depend on the machine and on what else runs.
 *
 *   node --import tsx bench/commands-throughput.ts [commands=20000] [aggregates=1000] [concurrency=100]
 */
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { CommandClient } from '../src/commands/command-client.ts';
import { CommandWorker } from '../src/commands/command-worker.ts';
import { exampleDomain } from '../src/domain/index.ts';
import { createTestDatabase, uniqueName } from '../test/support/database.ts';
import { deleteKeys } from '../test/commands/support/harness.ts';
import { Redis } from 'ioredis';

const [commands = 20_000, aggregates = 1_000, concurrency = 100] = process.argv.slice(2).map(Number);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl);
const db = await createTestDatabase();

async function plainBullmq(): Promise<[number, number]> {
  const prefix = uniqueName('bench');
  const queue = new Queue('plain', { connection: { url: redisUrl }, prefix });
  let done = 0;
  const worker = new Worker('plain', async () => ({ ok: true }), { connection: { url: redisUrl }, prefix, concurrency });
  worker.on('completed', () => done++);
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < commands; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, commands - i) }, (_, j) => ({ name: 'job', data: { i: i + j }, opts: { removeOnComplete: { count: 100_000 } } })));
  }
  while (done < commands) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMsPer1000 = ((used.user + used.system) / 1000 / commands) * 1000;
  await worker.close();
  await queue.close();
  await deleteKeys(redis, prefix);
  return [commands / seconds, cpuMsPer1000];
}

async function commandPath(): Promise<[number, number]> {
  const prefix = uniqueName('bench');
  const options = { redisUrl, queueName: 'commands', prefix, registry: exampleDomain, pool: db.pool };
  const client = new CommandClient(options);
  const worker = new CommandWorker({ ...options, concurrency });
  let done = 0;
  worker.on('outcome', () => done++);
  await worker.start();
  const ids = Array.from({ length: aggregates }, (_, i) => `order-${i}`);
  const start = performance.now();
  const cpu = process.cpuUsage();
  await client.sendMany(ids.map((id) => ({ type: 'CreateOrder', aggregateId: id, payload: { customerId: 'c', total: 1 } })));
  for (let i = aggregates; i < commands; i += 500) {
    const n = Math.min(500, commands - i);
    await client.sendMany(Array.from({ length: n }, (_, j) => ({ type: 'UpdateOrderStatus', aggregateId: ids[(i + j) % aggregates]!, payload: { status: 'paid' } })));
  }
  while (done < commands) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMsPer1000 = ((used.user + used.system) / 1000 / commands) * 1000;
  await worker.close();
  await client.close();
  await deleteKeys(redis, prefix);
  return [commands / seconds, cpuMsPer1000];
}

const [plain, plainCpu] = process.env.SKIP_PLAIN ? [1, 0] : await plainBullmq();
const [path, pathCpu] = await commandPath();
console.log(`commands=${commands} aggregates=${aggregates} concurrency=${concurrency} (one process: producer + worker)`);
console.log(`plain BullMQ no-op:  ${plain.toFixed(0)} jobs/s, ${plainCpu.toFixed(0)} ms CPU of this process per 1,000`);
console.log(`command path:        ${path.toFixed(0)} commands/s (${(path / plain).toFixed(2)}x plain), ${pathCpu.toFixed(0)} ms CPU per 1,000`);
redis.disconnect();
await db.drop();
