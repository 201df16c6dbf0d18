/**
 * The outbox relay process: publishes committed events to `${NATS_PREFIX}.events` in commit order.
 * Run several: one is active, the others stand by and take over (see src/bus/relay.ts).
 * SIGTERM: graceful stop, exit 0.
 */
import { runRolesUntilSignal } from '../src/cli/run-roles.ts';

await runRolesUntilSignal(['relay']);
