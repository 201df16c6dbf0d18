/**
 * The HTTP API process (`eventstore serve`): commands in, events and projections out, Bull Board,
 * /metrics, /docs. Stateless: run as many as needed behind a load balancer. SIGTERM: graceful stop.
 */
import { runRolesUntilSignal } from '../src/cli/run-roles.ts';

await runRolesUntilSignal(['server']);
