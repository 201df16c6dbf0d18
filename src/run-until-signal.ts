import type { Logger } from './logger.ts';

/** How long a stop may take when nothing says otherwise (STOP_TIMEOUT_MS). */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** What runUntilSignal runs: anything that stops, optionally saying how long its stop may take. */
export interface Stoppable {
  stop(): Promise<void>;
  /** The bound on a stop; after it the process exits whatever is still running (default 10 s). */
  stopTimeoutMs?: number;
}

/** Exit codes: 0 stopped cleanly, 1 failed or timed out, 128 + signal number on a second signal. */
const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs a long-lived process part until SIGTERM or SIGINT, then stops it gracefully and exits 0
 * (1 when the start or the stop failed). Every long-running entry point (workers/, `eventstore
 * <role>`) goes through here, so all stop the same way.
 *
 * The stop is bounded: orchestrators (docker, systemd, Kubernetes) kill a process that outlives
 * their grace period anyway, and with Redis or NATS gone a graceful close can wait forever (BullMQ
 * waits for its connection, ioredis reconnects). After `stopTimeoutMs` the process exits with 1;
 * nothing is lost by it, because a command whose run was cut short keeps its job in Redis and is
 * run again once its lock expires (BullMQ's stalled-job check), and events not yet published or
 * projected stay in PostgreSQL behind their checkpoints. A second signal exits at once: an
 * operator pressing Ctrl-C twice means it.
 */
export async function runUntilSignal<T extends Stoppable>(logger: Logger, start: () => Promise<T>): Promise<T> {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the stop');
      process.exit(SIGNAL_EXIT_CODES[signal] ?? 1);
    }
    stopping = true;
    // A signal during the start stops what started once the start ends, under the same bound.
    const timeoutMs = running?.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    logger.info({ signal, timeoutMs }, 'stopping');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'stop timed out: exiting; commands cut short run again once their lock expires');
      process.exit(1);
    }, timeoutMs);
    (started ?? Promise.resolve(running!)).then((value) => value.stop()).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  let running: T | undefined;
  let started: Promise<T> | undefined = start();
  try {
    running = await started;
    started = undefined;
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
  return running;
}
