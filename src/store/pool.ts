import pg from 'pg';

/**
 * A connection pool for the store. Idle connection errors (a PostgreSQL restart) are logged by the
 * caller's handler instead of crashing the process: the pool replaces the connection on next use.
 */
export function createPool(
  databaseUrl: string,
  options: { max?: number; applicationName?: string; onError?: (error: Error) => void } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'eventstore',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', options.onError ?? (() => {}));
  return pool;
}
