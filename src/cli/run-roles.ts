import { apiAuth, loadConfig, redactUrl } from '../config/env.ts';
import { exampleDomain } from '../../examples/orders/domain/index.ts';
import { createLogger } from '../logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { projections } from '../projections/registry.ts';
import { runUntilSignal } from '../run-until-signal.ts';
import { migrate } from '../store/migrate.ts';
import { createPool } from '../store/pool.ts';
import { startMetricsListener, startRole, type RoleName, type RunningRole } from './roles.ts';

export interface RunRolesOptions {
  /** Bring the database up to date first (the main job does; a deployment runs `migrate` once). */
  migrate?: boolean;
  env?: Record<string, string | undefined>;
}

export interface RunningProcess {
  roles: RunningRole[];
  /** Stops every role, last started first, and closes the shared connections (once, however often called). */
  stop(): Promise<void>;
}

/**
 * Starts roles in this process, consumers before producers and the HTTP server last, so that by
 * the time the API answers everything behind it runs. Stopping goes the other way: the server
 * stops taking commands, workers finish the running ones, then the relay and the consumers stop.
 */
export async function runRoles(names: readonly RoleName[], options: RunRolesOptions = {}): Promise<RunningProcess> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const logger = createLogger({ name: names.length === 1 ? `eventstore-${names[0]}` : 'eventstore', level: config.logLevel });
  if (options.migrate) {
    const result = await migrate(config.migrationDatabaseUrl, { projections: [...projections.values()] });
    logger.info({ database: redactUrl(config.migrationDatabaseUrl), applied: result.applied }, 'database up to date');
  }
  const pool = createPool(config.databaseUrl, {
    max: 20,
    applicationName: `eventstore-${names.join('-')}`,
    onError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
  const ctx = { config, logger, pool, metrics: new Metrics(), registry: exampleDomain, projections, env };
  const order: RoleName[] = ['projector', 'dispatcher', 'relay', 'worker', 'server'];
  const roles: RunningRole[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const role of [...roles].reverse()) {
        await role.stop().catch((error) => logger.error({ err: error, role: role.name }, 'role did not stop cleanly'));
      }
      await pool.end();
    })());
  try {
    for (const name of order.filter((role) => names.includes(role))) roles.push(...(await startRole(name, ctx)));
    if (!names.includes('server')) {
      const metrics = await startMetricsListener(ctx);
      if (metrics) roles.push(metrics);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const listening = roles.some((role) => role.url !== undefined);
  logger.info({ roles: roles.map((role) => role.name), ...(listening ? { apiAuth: apiAuth(config) } : {}) }, 'started');
  return { roles, stop };
}

/**
 * Runs roles until SIGTERM or SIGINT, then stops them gracefully and exits 0 (1 when the start or
 * the stop failed). What `eventstore <role>` and the entry points in workers/ do.
 */
export function runRolesUntilSignal(names: readonly RoleName[], options: RunRolesOptions = {}): Promise<RunningProcess> {
  return runUntilSignal(createLogger({ name: 'eventstore' }), () => runRoles(names, options));
}
