import { loadConfig } from '../../config/env.ts';
import { ConfigError } from '../../errors.ts';
import { createLogger } from '../../logger.ts';
import { runUntilSignal } from '../../run-until-signal.ts';
import { createPool } from '../../store/pool.ts';
import { CommandWorker } from './command-worker.ts';
import type { CommandRegistry } from '../domain/registry.ts';

type Env = Record<string, string | undefined>;

/** Worker settings beyond the shared configuration (src/config.ts), all optional. */
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

/**
 * A command worker process: reads the configuration, runs a CommandWorker until SIGTERM or SIGINT,
 * then shuts down gracefully (no new commands, running ones finish, connections close) and exits 0.
 * Run as many as needed, on one machine or many: ordering lives in Redis, not in a process.
 */
export async function runWorkerProcess(options: { registry: CommandRegistry; env?: Env; onStarted?(worker: CommandWorker): void }): Promise<void> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const settings = loadWorkerSettings(env);
  const logger = createLogger({ name: 'command-worker', level: config.logLevel });
  await runUntilSignal(logger, async () => {
    const pool = createPool(config.databaseUrl, {
      max: Math.min(20, 4 + Math.ceil(settings.concurrency / 10)),
      applicationName: 'command-worker',
      onError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
    });
    const worker = new CommandWorker({
      ...settings,
      redisUrl: config.redisUrl,
      queueName: config.queueName,
      prefix: config.redisPrefix,
      registry: options.registry,
      pool,
      logger,
      maxEventBytes: config.maxEventBytes,
    });
    worker.on('error', () => {}); // logged by the worker; a process keeps running through Redis/DB outages
    await worker.start();
    logger.info({ queue: config.queueName, prefix: config.redisPrefix, concurrency: settings.concurrency }, 'command worker started');
    options.onStarted?.(worker);
    return {
      // No new commands, the running ones finish, then the connections close.
      async stop() {
        await worker.close();
        await pool.end();
      },
    };
  });
}
