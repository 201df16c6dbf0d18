import { loadConfig, redactUrl } from '../../config/env.ts';
import { defineCommand, type CliCommand } from '../command.ts';
import { ROLES, type RoleName } from '../role-names.ts';

// What a role needs is imported when it runs: `--help` stays fast.

const ROLE_DETAILS: Record<RoleName, string> = {
  server: 'The HTTP API (HOST, PORT, API_TOKEN), Bull Board, /metrics, /docs. Stateless: run several behind a load balancer.',
  worker: 'Command workers (WORKER_CONCURRENCY at once). Run as many processes as needed, on any machines.',
  relay: 'Publishes committed events to NATS in commit order. Run two or more: one is active, the others stand by.',
  dispatcher: "Fans the event log out to each projection's channel (only the event types it declared).",
  projector: 'Keeps the projections (the orders read model) up to date, exactly once in effect.',
};

const roleCommand = (name: string, role: RoleName): CliCommand =>
  defineCommand({
    name,
    summary: `Runs the ${role} role until SIGTERM or SIGINT, then stops gracefully.`,
    usage: '',
    details: [ROLE_DETAILS[role], 'Without the HTTP API, METRICS_PORT serves this process\'s /metrics.'],
    options: {},
    run: async () => {
      const { runRolesUntilSignal } = await import('../run-roles.ts');
      await runRolesUntilSignal([role]);
      return new Promise<never>(() => {}); // runs until a signal ends the process
    },
  });

export const roleCommands: CliCommand[] = [
  defineCommand({
    name: 'migrate',
    summary: "Brings the database up to date as its owner (MIGRATION_DATABASE_URL; safe to run again, and concurrently).",
    usage: '',
    options: {},
    run: async () => {
      const config = loadConfig();
      const { migrate } = await import('../../store/migrate.ts');
      const { projections } = await import('../../projections/registry.ts');
      const result = await migrate(config.migrationDatabaseUrl, { projections: [...projections.values()] });
      console.log(`${redactUrl(config.migrationDatabaseUrl)}: ${result.applied.length} applied, ${result.alreadyApplied} already in place`);
    },
  }),
  defineCommand({
    name: 'start',
    summary: 'The whole system in one process (what `npm start` runs): migrate, then every role.',
    usage: '',
    details: ['For a local machine. In production run each role on its own: eventstore serve | worker | relay | dispatcher | projector.'],
    options: {},
    run: async () => {
      await import('../../../workers/main.ts');
      return new Promise<never>(() => {});
    },
  }),
  roleCommand('serve', 'server'),
  ...ROLES.filter((role) => role !== 'server').map((role) => roleCommand(role, role)),
];
