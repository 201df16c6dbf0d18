import type { Logger } from './logger.ts';

/**
 * Runs a long-lived process part until SIGTERM or SIGINT, then stops it gracefully and exits 0
 * (1 when the start or the stop failed). Every long-running entry point (workers/, `eventstore
 * <role>`) goes through here, so all stop the same way; a second signal while stopping is ignored.
 */
export async function runUntilSignal<T extends { stop(): Promise<void> }>(logger: Logger, start: () => Promise<T>): Promise<T> {
  let running: T;
  try {
    running = await start();
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    running.stop().then(
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
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return running;
}
