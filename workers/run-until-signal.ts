import { createLogger } from '../src/logger.ts';

/**
 * Runs a long-lived component until SIGTERM/SIGINT, then stops it gracefully and exits 0
 * (1 when the start or the stop failed). For entry points with options the roles of src/cli do not
 * take (workers/projector.ts: one projection, read from the event log or its dispatch channel).
 */
export async function runUntilSignal(name: string, start: () => Promise<{ stop(): Promise<void> }>): Promise<void> {
  const log = createLogger({ name });
  let component: { stop(): Promise<void> };
  try {
    component = await start();
  } catch (error) {
    log.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
  log.info('started');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    try {
      await component.stop();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'stop failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
