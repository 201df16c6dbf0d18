/** `npm run migrate`: brings the database named by DATABASE_URL up to date. */
import { loadConfig, redactUrl } from '../src/config/env.ts';
import { migrate } from '../src/store/migrate.ts';

const config = loadConfig();
const result = await migrate(config.migrationDatabaseUrl);
console.log(
  `${redactUrl(config.migrationDatabaseUrl)}: ${result.applied.length} migration(s) applied` +
    (result.applied.length ? ` (${result.applied.join(', ')})` : '') +
    `, ${result.alreadyApplied} already in place`,
);
