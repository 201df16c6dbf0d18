import { ConfigError } from '../../errors.ts';

type Env = Record<string, string | undefined>;

/** Worker settings beyond the shared configuration (src/config/env.ts), all optional. */
const SETTINGS = {
  WORKER_CONCURRENCY: ['concurrency', 100, 1, 10_000],
  COMMAND_LOCK_MS: ['lockDurationMs', 30_000, 1_000, 3_600_000],
  COMMAND_STALLED_INTERVAL_MS: ['stalledIntervalMs', 30_000, 500, 3_600_000],
  RECONCILE_INTERVAL_MS: ['reconcileIntervalMs', 5_000, 100, 3_600_000],
  RECONCILE_AFTER_MS: ['reconcileAfterMs', 10_000, 100, 3_600_000],
  SNAPSHOT_EVERY: ['snapshotEvery', 100, 0, 1_000_000],
  AGGREGATE_CACHE_SIZE: ['cacheSize', 10_000, 0, 10_000_000],
  COMMAND_BATCH_SIZE: ['maxBatch', 100, 1, 1_000],
  // A command of a type this worker does not know waits this long for a worker that does.
  UNKNOWN_COMMAND_TYPE_RETRY_MS: ['unknownTypeRetryMs', 5_000, 100, 3_600_000],
} as const;

type Settings = { -readonly [K in keyof typeof SETTINGS as (typeof SETTINGS)[K][0]]: number };

export function loadWorkerSettings(env: Env = process.env): Settings {
  const problems: string[] = [];
  const settings = {} as Settings;
  for (const [key, [name, fallback, min, max]] of Object.entries(SETTINGS)) {
    const raw = env[key];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
    settings[name] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
