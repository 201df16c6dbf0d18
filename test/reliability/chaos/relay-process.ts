/**
 * The relay as its own process for the chaos run: the library's Relay over the configured bus,
 * nothing else, so that the run can SIGKILL it mid-publish. SIGTERM stops it cleanly.
 */
import { Relay } from '../../../src/bus/relay.ts';
import { roleContext } from './role-context.ts';

const { logger, pool, bus, stopOnSigterm } = await roleContext('relay');
// Smaller batches than production (CHAOS_RELAY_BATCH) widen the window in which a kill lands mid-publish.
const batchSize = Number(process.env.CHAOS_RELAY_BATCH ?? 2000);
const relay = new Relay({ pool, bus, logger, batchSize });
await relay.start();
stopOnSigterm(() => relay.stop());
