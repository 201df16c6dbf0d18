/**
 * The fan-out dispatcher process: one subscription on the event log, republishing each event to
 * `${NATS_PREFIX}.dispatch.<projection>` for every registered projection that handles its type.
 * SIGTERM: graceful stop, exit 0.
 */
import { runRolesUntilSignal } from '../src/cli/run-roles.ts';

await runRolesUntilSignal(['dispatcher']);
