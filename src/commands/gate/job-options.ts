import type { JobsOptions } from 'bullmq';

/** How commands are kept and retried as BullMQ jobs. */
export interface CommandJobOptions {
  /** Attempts before a command fails for good on transient errors (default 10). */
  attempts?: number;
  /** First retry delay; doubles on each retry (default 500 ms: 0.5 s, 1 s, 2 s ... 256 s). */
  backoffMs?: number;
  /**
   * Finished jobs stay in Redis (and Bull Board) until they are older than keep*Seconds or more
   * than keep* newer ones exist, whichever comes first (defaults: completed 1 day / 10,000, failed
   * 7 days / 10,000). Both bounds hold: age alone lets a busy hour fill Redis, count alone keeps a
   * quiet queue's jobs forever. Outcomes do not depend on them: the event store records every one.
   */
  keepCompleted?: number;
  keepCompletedSeconds?: number;
  keepFailed?: number;
  keepFailedSeconds?: number;
}

export const DEFAULT_JOB_RETENTION = {
  keepCompleted: 10_000,
  keepCompletedSeconds: 24 * 3600,
  keepFailed: 10_000,
  keepFailedSeconds: 7 * 24 * 3600,
} as const satisfies CommandJobOptions;

export function bullJobOptions(options: CommandJobOptions = {}): JobsOptions {
  const keep = { ...DEFAULT_JOB_RETENTION, ...definedOnly(options) };
  return {
    attempts: options.attempts ?? 10,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 500 },
    // BullMQ reads count 0 as "remove at once" and then never trims the set again, which would
    // keep every follower the gate completes (advance.lua): both bounds are at least 1.
    removeOnComplete: { age: Math.max(1, keep.keepCompletedSeconds), count: Math.max(1, keep.keepCompleted) },
    removeOnFail: { age: Math.max(1, keep.keepFailedSeconds), count: Math.max(1, keep.keepFailed) },
  };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
