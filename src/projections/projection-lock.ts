import type pg from 'pg';
import { EventStoreError } from '../errors.ts';

/** A rebuild was asked for while a projector of the projection runs (or another rebuild). */
export class ProjectionBusyError extends EventStoreError {
  override readonly code = 'projection_busy';
  constructor(readonly projection: string) {
    super(`projection ${projection} is in use by a running projector or rebuild: stop it first`);
  }
}

/**
 * A session advisory lock per projection, held on a connection of its own: running projectors
 * hold it SHARED (several instances may run side by side), a rebuild holds it EXCLUSIVE. So a
 * rebuild never runs under a live projector, which could move the checkpoint past events the
 * rebuild has not applied yet.
 */
export class ProjectionLock {
  private constructor(private readonly client: pg.PoolClient) {}

  /** Waits while a rebuild runs. */
  static async shared(pool: pg.Pool, projection: string): Promise<ProjectionLock> {
    return ProjectionLock.take(pool, projection, 'pg_advisory_lock_shared');
  }

  /** @throws ProjectionBusyError when a projector or rebuild holds the lock */
  static async exclusive(pool: pg.Pool, projection: string): Promise<ProjectionLock> {
    return ProjectionLock.take(pool, projection, 'pg_try_advisory_lock');
  }

  private static async take(pool: pg.Pool, projection: string, fn: 'pg_advisory_lock_shared' | 'pg_try_advisory_lock'): Promise<ProjectionLock> {
    const client = await pool.connect();
    try {
      const { rows } = await client.query(`SELECT ${fn}(hashtext('eventstore.projection'), hashtext($1))::text AS locked`, [projection]);
      if (rows[0].locked === 'false') throw new ProjectionBusyError(projection);
    } catch (error) {
      client.release();
      throw error;
    }
    client.on('error', () => {}); // the session, and the lock, end with the connection
    return new ProjectionLock(client);
  }

  /** Ends the session: the lock is freed even if an unlock could not be sent. */
  release(): void {
    this.client.release(true);
  }
}
