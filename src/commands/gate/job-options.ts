import type { JobsOptions } from 'bullmq';

/** How commands are kept and retried as BullMQ jobs. */
export interface CommandJobOptions {
  /** Attempts before a command fails for good on transient errors (default 10). */
  attempts?: number;
  /** First retry delay; doubles on each retry (default 500 ms: 0.5 s, 1 s, 2 s ... 256 s). */
  backoffMs?: number;
  /** How long finished jobs stay visible in Bull Board (defaults 1 day / 7 days, at most 100,000). */
  keepCompletedSeconds?: number;
  keepFailedSeconds?: number;
}

export function bullJobOptions(options: CommandJobOptions = {}): JobsOptions {
  return {
    attempts: options.attempts ?? 10,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 500 },
    removeOnComplete: { age: options.keepCompletedSeconds ?? 24 * 3600, count: 100_000 },
    removeOnFail: { age: options.keepFailedSeconds ?? 7 * 24 * 3600, count: 100_000 },
  };
}
