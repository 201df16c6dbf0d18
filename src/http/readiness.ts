import { once } from 'node:events';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { natsConnectionOptions } from '../bus/nats-url.ts';
import { createLogger, logConnectionErrors, type Logger } from '../logger.ts';
import type { Queryable } from '../store/event-store.ts';

/** One dependency /readyz asks: `check` resolves when it answers, and rejects with why not. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
  close?(): Promise<void>;
  /** Reported under `warnings`, without making the process unready (see workersProbe). */
  advisory?: boolean;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
  /** Advisory probes that failed: something an operator should know that does not stop this process serving. */
  warnings: Record<string, string>;
}

const PROBE_TIMEOUT_MS = 2_000;

/** Runs every probe at once, each bounded by a timeout, and names each that failed. */
export async function checkReadiness(probes: readonly ReadinessProbe[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    probes.map(async (probe) => {
      try {
        await withTimeout(probe.check(), PROBE_TIMEOUT_MS);
        return [probe, 'ok'] as const;
      } catch (error) {
        return [probe, describe(error)] as const;
      }
    }),
  );
  const required = results.filter(([probe]) => !probe.advisory);
  const warnings = results.filter(([probe, result]) => probe.advisory && result !== 'ok');
  return {
    ready: required.every(([, result]) => result === 'ok'),
    checks: Object.fromEntries(required.map(([probe, result]) => [probe.name, result])),
    warnings: Object.fromEntries(warnings.map(([probe, result]) => [probe.name, result])),
  };
}

/**
 * Advisory: some worker consumes the command queue. The API stays ready without one (it queues
 * commands durably, which is what it is for while workers restart or scale), but an operator must
 * hear that queued commands do not run: /readyz says so under `warnings`, /status and the
 * eventstore_queue_workers metric count the workers.
 */
export function workersProbe(queue: { name: string; getWorkersCount(): Promise<number> }): ReadinessProbe {
  return {
    name: 'workers',
    advisory: true,
    async check() {
      if ((await queue.getWorkersCount()) === 0) throw new Error(`no worker consumes the command queue "${queue.name}": queued commands do not run`);
    },
  };
}

export function postgresProbe(pool: Queryable): ReadinessProbe {
  return { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) };
}

/**
 * A Redis connection of its own with the offline queue off: while Redis is down a PING fails at
 * once instead of waiting in a queue, and the client keeps reconnecting in the background.
 */
export function redisProbe(url: string, logger: Logger = createLogger({ name: 'readiness' })): ReadinessProbe {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: 'eventstore-readiness',
    retryStrategy: () => 1_000,
  });
  let lastError: Error | undefined;
  // The probe reports the error; the log gets it once in a while, not at every reconnect attempt.
  const log = logConnectionErrors(logger, 'redis (readiness probe)');
  redis.on('error', (error: Error) => {
    lastError = error;
    log(error);
  });
  return {
    name: 'redis',
    check: async () => {
      if (redis.status !== 'ready') {
        // Give a connection being made a moment (the first check after start), then say why not.
        await once(redis, 'ready', { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS / 2) }).catch(() => {
          throw lastError ?? new Error(`not connected (${redis.status})`);
        });
      }
      await redis.ping();
    },
    close: async () => void redis.disconnect(),
  };
}

/**
 * NATS answers when a round trip (PING/PONG) completes. The connection is made on first use and
 * made again after it closed, so the server starts even while NATS is down.
 */
export function natsProbe(url: string, logger: Logger = createLogger({ name: 'readiness' })): ReadinessProbe {
  let connection: Promise<NatsConnection> | undefined;
  const log = logConnectionErrors(logger, 'nats (readiness probe)');
  const connected = () => {
    connection ??= connectNats({ ...natsConnectionOptions(url), name: 'eventstore-readiness', timeout: PROBE_TIMEOUT_MS }).catch((error) => {
      connection = undefined;
      log(error);
      throw error;
    });
    return connection;
  };
  return {
    name: 'nats',
    check: async () => {
      const nc = await connected();
      if (nc.isClosed()) {
        connection = undefined;
        throw new Error('connection closed');
      }
      await nc.flush();
    },
    close: async () => {
      const nc = await connection?.catch(() => undefined);
      await nc?.close();
    },
  };
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  // Error codes (ECONNREFUSED, timeouts) say enough and carry no connection string.
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  return typeof message === 'string' ? message.slice(0, 200) : 'failed';
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
