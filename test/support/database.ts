import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createPool } from '../../src/store/pool.ts';

/** The server tests create their databases on, as the owner; the URL's database name is ignored. */
const SERVER_URL = process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/eventstore';
/** The application role the services connect as (sql/040_application_role.sql). */
export const APP_ROLE = 'eventstore_app';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface TestDatabase {
  /** The owner's URL (migrations, forging faults in tests). */
  url: string;
  /** The same database as the application role: what services connect with in production. */
  appUrl: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file, so files run in parallel and never
 * touch a running demo. Call drop() in `after`.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const url = new URL(SERVER_URL);
  url.pathname = `/${uniqueName('es_test')}`;
  const databaseUrl = url.toString();
  if (options.migrate === false) {
    await adminQuery(`CREATE DATABASE "${url.pathname.slice(1)}"`);
  } else {
    await migrate(databaseUrl, { projections: [ordersProjection] });
  }
  const pool = createPool(databaseUrl, { max: 10, applicationName: 'eventstore-test' });
  const appUrl = new URL(databaseUrl);
  appUrl.username = APP_ROLE;
  appUrl.password = '';
  return {
    url: databaseUrl,
    appUrl: appUrl.toString(),
    pool,
    async drop() {
      await pool.end();
      await adminQuery(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const url = new URL(SERVER_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
