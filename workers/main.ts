/**
 * The main job (`npm start`): the example deployment (examples/orders) in one process, exactly as
 * `eventstore start` runs it, plus a demo order through the whole path (DEMO=off skips it).
 * In production each role runs on its own (docs/operations.md).
 */
import { runDemo } from '../examples/orders/demo.ts';
import config from '../examples/orders/eventstore.config.ts';
import { loadConfig } from '../src/config/env.ts';
import { resolveDeployment } from '../src/config/user-config.ts';
import { startBanner } from '../src/runtime/banner.ts';
import { ROLES } from '../src/runtime/role-names.ts';
import { runRolesUntilSignal } from '../src/runtime/run-roles.ts';

const deployment = resolveDeployment(config, 'examples/orders/eventstore.config.ts');
const running = await runRolesUntilSignal(ROLES, { deployment, migrate: true });
const apiUrl = running.roles.find((role) => role.name === 'server')!.url!;
const token = loadConfig(deployment.env).http.apiToken;
const demo = process.env.DEMO === 'off' ? '' : await runDemo(apiUrl, token).catch((error: Error) => `demo failed: ${error.message}\n`);
console.log(startBanner({ apiUrl, token: token !== undefined, commandTypes: deployment.registry.commandTypes(), config: deployment.source }) + demo);
