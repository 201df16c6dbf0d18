/**
 * The orders projector as its own process for the chaos run. With CHAOS_KILL_AFTER_COMMITS=n it
 * SIGKILLs itself right after its n-th commit, before that message's ack: the crash window the
 * exactly-once effect has to survive. SIGTERM stops it cleanly.
 */
import { createEventBus } from '../../../src/bus/event-bus.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { ordersProjection } from '../../../src/projections/orders-projection.ts';
import { Projector } from '../../../src/projections/projector.ts';
import { createPool } from '../../../src/store/pool.ts';

const config = loadConfig();
const logger = createLogger({ name: 'projector', level: config.logLevel });
const pool = createPool(config.databaseUrl, { max: 4, applicationName: 'projector', onError: (error) => logger.warn({ err: error }, 'idle connection lost') });
const bus = await createEventBus(config, { clientName: `chaos-projector-${process.pid}` });
const killAfter = Number(process.env.CHAOS_KILL_AFTER_COMMITS ?? 0);
let commits = 0;
const projector = new Projector({
  projection: ordersProjection,
  bus,
  pool,
  ackWaitMs: 5_000,
  logger,
  afterCommit: (event) => {
    if (killAfter > 0 && ++commits === killAfter) {
      process.stderr.write(`CHAOS: killing myself after commit of ${event.eventId} (position ${event.transactionId}/${event.globalPosition}), before its ack\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  },
});
await projector.start();
process.once('SIGTERM', async () => {
  await projector.stop();
  await bus.close();
  await pool.end();
  process.exit(0);
});
