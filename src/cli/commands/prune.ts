import { loadConfig, redactUrl } from '../../config/env.ts';
import { defineCommand, integerOption, settingsOf, type CliCommand } from '../command.ts';

export const pruneCommands: CliCommand[] = [
  defineCommand({
    name: 'prune-commands',
    summary: 'Deletes the records of commands processed before the idempotency window, as the owner (MIGRATION_DATABASE_URL).',
    usage: '[--days N]',
    details: [
      'The window is IDEMPOTENCY_WINDOW_DAYS (default 30), or --days N. Within it a command id sent again',
      '  gets its recorded outcome; past it the record is gone and a resend of the id runs as a new command.',
      'Safe to run at any time, and again: it notes the cut-off first (verify reads it), then deletes in',
      '  short batches so that the relay and projections are not held back.',
    ],
    options: { days: { type: 'string' } },
    run: async ({ values }) => {
      const { pruneProcessedCommands } = await import('../../store/retention.ts');
      const { createPool } = await import('../../store/pool.ts');
      const env = await settingsOf(values);
      const config = loadConfig(env);
      const windowDays = integerOption(values.days, 'days', 1) ?? config.idempotencyWindowDays;
      const pool = createPool(config.migrationDatabaseUrl, { max: 1, applicationName: 'eventstore-prune' });
      try {
        const { deleted, prunedBefore } = await pruneProcessedCommands(pool, { windowDays });
        console.log(`${redactUrl(config.migrationDatabaseUrl)}: pruned ${deleted} command record(s) processed before ${prunedBefore.toISOString()} (idempotency window ${windowDays} days)`);
      } finally {
        await pool.end();
      }
    },
  }),
];
