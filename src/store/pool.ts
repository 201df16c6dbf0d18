import pg from 'pg';
import { createLogger } from '../logger.ts';

/**
 * A connection pool for the store. Connection errors (a PostgreSQL restart) never crash the
 * process: the pool replaces a broken connection on next use, and the query that was running
 * fails with the error as usual. `onError` hears about each broken connection (default: a
 * warning through the logger, which never shows the URL's password).
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
  const onError = options.onError ?? defaultOnError();
  pool.on('error', onError);
  // pg emits 'error' on a client whose connection dies, also while it is checked out (inside a
  // transaction, between two queries); the pool listens only to idle clients, and an 'error'
  // event nobody listens to kills the process. Found by the chaos run: a projector died when
  // PostgreSQL restarted in the middle of its transaction.
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}

function defaultOnError(): (error: Error) => void {
  const logger = createLogger({ name: 'store' });
  return (error) => logger.warn({ err: error }, 'database connection lost');
}
