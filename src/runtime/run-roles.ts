import { apiAuth, loadConfig, redactUrl } from '../config/env.ts';
import { loadDeployment, resolveDeployment, type Deployment, type EventStoreConfig } from '../config/user-config.ts';
import type { OutcomeEvent } from '../commands/worker/command-worker.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { runUntilSignal } from '../run-until-signal.ts';
import { migrate } from '../store/migrate.ts';
import { createPool } from '../store/pool.ts';
import { ROLES } from './role-names.ts';
import { startMetricsListener, startRole, type RoleName, type RunningRole } from './roles.ts';

type Env = Record<string, string | undefined>;

export interface RunRolesOptions {
  /**
   * What to run: a config as an eventstore.config module exports it, or a deployment already
   * resolved from one. Default: the config module found as the CLI finds it (EVENTSTORE_CONFIG,
   * else eventstore.config.* in the working directory).
   */
  config?: EventStoreConfig;
  deployment?: Deployment;
  /** Bring the database up to date first (the main job does; a deployment runs `migrate` once). */
  migrate?: boolean;
  /** The environment the settings are read from (default process.env); the config's settings fill its gaps. */
  env?: Env;
  /** Run the projector role for these projections only (default: every projection of the config). */
  projections?: readonly string[];
  /** Hears every command outcome of this process's workers (for a team's own metrics or traces). */
  onOutcome?: (outcome: OutcomeEvent) => void;
}

export interface RunningProcess {
  roles: RunningRole[];
  /** Stops every role, last started first, and closes the shared connections (once, however often called). */
  stop(): Promise<void>;
  /** STOP_TIMEOUT_MS: how long runRolesUntilSignal lets stop() take before the process exits anyway. */
  stopTimeoutMs: number;
}

/**
 * Starts roles in this process, consumers before producers and the HTTP server last, so that by
 * the time the API answers everything behind it runs. Stopping goes the other way: the server
 * stops taking commands, workers finish the running ones, then the relay and the consumers stop.
 */
export async function runRoles(names: readonly RoleName[], options: RunRolesOptions = {}): Promise<RunningProcess> {
  const deployment = await deploymentOf(options);
  const { env, registry } = deployment;
  const projections = chosenProjections(deployment, options.projections);
  const config = loadConfig(env);
  const logger = createLogger({ name: names.length === 1 ? `eventstore-${names[0]}` : 'eventstore', level: config.logLevel, format: env.LOG_FORMAT });
  if (options.migrate) {
    const result = await migrate(config.migrationDatabaseUrl, { projections: [...projections.values()] });
    logger.info({ database: redactUrl(config.migrationDatabaseUrl), applied: result.applied }, 'database up to date');
  }
  const pool = createPool(config.databaseUrl, {
    max: 20,
    applicationName: `eventstore-${names.join('-')}`,
    onError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
  const ctx = { config, logger, pool, metrics: new Metrics(), registry, projections, env, onOutcome: options.onOutcome };
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
  logger.info({ roles: roles.map((role) => role.name), config: deployment.source, ...(listening ? { apiAuth: apiAuth(config) } : {}) }, 'started');
  return { roles, stop, stopTimeoutMs: config.stopTimeoutMs };
}

/**
 * The event store in this process: every role (or the chosen ones) of a deployment of the given
 * config, until stop() is called. What `eventstore start` runs, as a library call.
 */
export function startEventStore(options: RunRolesOptions & { roles?: readonly RoleName[] } = {}): Promise<RunningProcess> {
  return runRoles(options.roles ?? ROLES, options);
}

function chosenProjections(deployment: Deployment, names: readonly string[] | undefined): Deployment['projections'] {
  if (!names || names.length === 0) return deployment.projections;
  const unknown = names.filter((name) => !deployment.projections.has(name));
  if (unknown.length > 0) throw new ConfigError([`no projection ${unknown.join(', ')} in ${deployment.source}; known: ${[...deployment.projections.keys()].join(', ') || 'none'}`]);
  return new Map(names.map((name) => [name, deployment.projections.get(name)!]));
}

function deploymentOf(options: RunRolesOptions): Promise<Deployment> | Deployment {
  if (options.deployment) return options.deployment;
  if (options.config) return resolveDeployment(options.config, 'inline', options.env ?? process.env);
  return loadDeployment({ env: options.env ?? process.env });
}

/**
 * Runs roles until SIGTERM or SIGINT, then stops them gracefully and exits 0 (1 when the start or
 * the stop failed, or the stop outlasted STOP_TIMEOUT_MS; at once on a second signal). What
 * `eventstore <role>` and the entry points in workers/ do.
 */
export function runRolesUntilSignal(names: readonly RoleName[], options: RunRolesOptions = {}): Promise<RunningProcess> {
  return runUntilSignal(createLogger({ name: 'eventstore' }), () => runRoles(names, options));
}
