/**
 * workers/worker.ts plus a trace: every outcome (with the command's start and end time in this
 * process) is pushed to the Redis list TRACE_KEY, so a test can prove that no two commands of one
 * aggregate overlapped and that no version conflict occurred, across processes.
 */
import { Redis } from 'ioredis';
import config from '../../../examples/orders/eventstore.config.ts';
import { runRolesUntilSignal } from '../../../src/runtime/run-roles.ts';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const traceKey = process.env.TRACE_KEY!;

await runRolesUntilSignal(['worker'], {
  config,
  onOutcome: (outcome) => void redis.rpush(traceKey, JSON.stringify({ ...outcome, pid: process.pid })),
});
