import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createPool } from '../../src/store/pool.ts';

/** The server the bench creates its databases on; DATABASE_URL's database name is ignored. */
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/eventstore';

/** A name no other run (or test file, or helper) on this machine will pick. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface BenchDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for ONE contender run: every run starts from the same empty store,
 * so no contender inherits another's table bloat or cached pages. Call drop() when the run ends.
 */
export async function createBenchDatabase(poolSize = 8): Promise<BenchDatabase> {
  const url = new URL(SERVER_URL);
  const name = uniqueName('es_bench');
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl, { projections: [ordersProjection] });
  const pool = createPool(databaseUrl, { max: poolSize, applicationName: 'eventstore-bench' });
  return {
    url: databaseUrl,
    pool,
    async drop() {
      await pool.end();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Runs `fn` on a fresh database and drops it afterwards, also when `fn` throws. */
export async function withBenchDatabase<T>(fn: (db: BenchDatabase) => Promise<T>, poolSize?: number): Promise<T> {
  const db = await createBenchDatabase(poolSize);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}

/** A query on the server's maintenance database (settings, CREATE/DROP DATABASE). */
export async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const url = new URL(SERVER_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
