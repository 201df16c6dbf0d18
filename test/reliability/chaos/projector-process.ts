/**
 * The orders projector as its own process for the chaos run. With CHAOS_KILL_AFTER_COMMITS=n it
 * SIGKILLs itself right after its n-th commit, before that message's ack: the crash window the
 * exactly-once effect has to survive. SIGTERM stops it cleanly.
 */
import { ordersProjection } from '../../../examples/orders/orders-projection.ts';
import { Projector } from '../../../src/projections/projector.ts';
import { roleContext } from './role-context.ts';

const { logger, pool, bus, stopOnSigterm } = await roleContext('projector');
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
stopOnSigterm(() => projector.stop());
