/**
 * The relay as its own process for the chaos run: the library's Relay over the configured bus,
 * nothing else, so that the run can SIGKILL it mid-publish. SIGTERM stops it cleanly.
 */
import { createEventBus } from '../../../src/bus/event-bus.ts';
import { Relay } from '../../../src/bus/relay.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { createPool } from '../../../src/store/pool.ts';

const config = loadConfig();
const logger = createLogger({ name: 'relay', level: config.logLevel });
const pool = createPool(config.databaseUrl, { max: 4, applicationName: 'relay', onError: (error) => logger.warn({ err: error }, 'idle connection lost') });
const bus = await createEventBus(config, { clientName: `chaos-relay-${process.pid}` });
// Smaller batches than production (CHAOS_RELAY_BATCH) widen the window in which a kill lands mid-publish.
const batchSize = Number(process.env.CHAOS_RELAY_BATCH ?? 2000);
const relay = new Relay({ pool, bus, logger, batchSize });
await relay.start();
process.once('SIGTERM', async () => {
  await relay.stop();
  await bus.close();
  await pool.end();
  process.exit(0);
});
