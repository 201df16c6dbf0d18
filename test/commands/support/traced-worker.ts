/**
 * workers/worker.ts plus a trace: every outcome (with the command's start and end time in this
 * process) is pushed to the Redis list TRACE_KEY, so a test can prove that no two commands of one
 * aggregate overlapped and that no version conflict occurred, across processes.
 */
import { Redis } from 'ioredis';
import { runWorkerProcess } from '../../../src/commands/worker/worker-settings.ts';
import { exampleDomain } from '../../../examples/orders/domain/index.ts';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const traceKey = process.env.TRACE_KEY!;

await runWorkerProcess({
  registry: exampleDomain,
  onStarted(worker) {
    worker.on('outcome', (outcome) => void redis.rpush(traceKey, JSON.stringify({ ...outcome, pid: process.pid })));
  },
});
