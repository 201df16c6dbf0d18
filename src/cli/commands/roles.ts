import { redactUrl } from '../../config/env.ts';
import { defineCommand, deploymentOf, type CliCommand } from '../command.ts';
import { ROLES, type RoleName } from '../../runtime/role-names.ts';

// What a role needs is imported when it runs: `--help` stays fast.

const ROLE_DETAILS: Record<RoleName, string> = {
  server: 'The HTTP API (HOST, PORT, API_TOKEN), Bull Board, /metrics, /docs. Stateless: run several behind a load balancer.',
  worker: 'Command workers (WORKER_CONCURRENCY at once). Run as many processes as needed, on any machines.',
  relay: 'Publishes committed events to NATS in commit order. Run two or more: one is active, the others stand by.',
  dispatcher: "Fans the event log out to each projection's channel (only the event types it declared).",
  projector: "Keeps the config's projections up to date, exactly once in effect. Several instances may run side by side.",
};

const roleCommand = (name: string, role: RoleName): CliCommand =>
  defineCommand({
    name,
    summary: `Runs the ${role} role until SIGTERM or SIGINT, then stops gracefully.`,
    usage: role === 'projector' ? '[projection...]' : '',
    details: [
      ROLE_DETAILS[role],
      ...(role === 'projector' ? ['Names: only those projections (default: all). PROJECTOR_SOURCE=log reads the event log instead of the dispatcher.'] : []),
      'Without the HTTP API, METRICS_PORT serves this process\'s /metrics.',
    ],
    options: {},
    run: async ({ values, positionals }) => {
      const deployment = await deploymentOf(values);
      const { runRolesUntilSignal } = await import('../../runtime/run-roles.ts');
      await runRolesUntilSignal([role], { deployment, projections: role === 'projector' ? positionals : undefined });
      return new Promise<never>(() => {}); // runs until a signal ends the process
    },
  });

export const roleCommands: CliCommand[] = [
  defineCommand({
    name: 'migrate',
    summary: "Brings the database up to date as its owner (MIGRATION_DATABASE_URL): the store's tables, then each projection's.",
    usage: '',
    details: ['Safe to run again, and concurrently. Each projection\'s migrations have a version history of their own.'],
    options: {},
    run: async ({ values }) => {
      const deployment = await deploymentOf(values);
      const { loadConfig } = await import('../../config/env.ts');
      const { migrate } = await import('../../store/migrate.ts');
      const config = loadConfig(deployment.env);
      const result = await migrate(config.migrationDatabaseUrl, { projections: [...deployment.projections.values()] });
      console.log(
        `${redactUrl(config.migrationDatabaseUrl)}: ${result.applied.length} applied` +
          (result.applied.length ? ` (${result.applied.join(', ')})` : '') +
          `, ${result.alreadyApplied} already in place`,
      );
    },
  }),
  defineCommand({
    name: 'start',
    summary: 'The whole system in one process: migrate, then every role.',
    usage: '',
    details: ['For a local machine. In production run each role on its own: eventstore serve | worker | relay | dispatcher | projector.'],
    options: {},
    run: async ({ values }) => {
      const deployment = await deploymentOf(values);
      const { runRolesUntilSignal } = await import('../../runtime/run-roles.ts');
      const { startBanner } = await import('../../runtime/banner.ts');
      const { loadConfig } = await import('../../config/env.ts');
      const running = await runRolesUntilSignal(ROLES, { deployment, migrate: true });
      const apiUrl = running.roles.find((role) => role.name === 'server')?.url ?? '';
      const token = loadConfig(deployment.env).http.apiToken !== undefined;
      console.log(startBanner({ apiUrl, token, commandTypes: deployment.registry.commandTypes(), config: deployment.source }));
      return new Promise<never>(() => {});
    },
  }),
  roleCommand('serve', 'server'),
  ...ROLES.filter((role) => role !== 'server').map((role) => roleCommand(role, role)),
];
