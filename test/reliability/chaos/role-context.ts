import { createEventBus } from '../../../src/bus/connect.ts';
import { loadConfig } from '../../../src/config/env.ts';
import { createLogger } from '../../../src/logger.ts';
import { createPool } from '../../../src/store/pool.ts';

/** What a chaos role process needs: configuration from the environment, a pool, the bus; SIGTERM stops it cleanly. */
export async function roleContext(name: string) {
  const config = loadConfig();
  const logger = createLogger({ name, level: config.logLevel });
  const pool = createPool(config.databaseUrl, { max: 4, applicationName: name, onError: (error) => logger.warn({ err: error }, 'connection lost') });
  const bus = await createEventBus(config, { clientName: `chaos-${name}-${process.pid}` });
  const stopOnSigterm = (stop: () => Promise<void>) =>
    process.once('SIGTERM', async () => {
      await stop();
      await bus.close();
      await pool.end();
      process.exit(0);
    });
  return { logger, pool, bus, stopOnSigterm };
}
