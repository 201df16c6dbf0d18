import type pg from 'pg';

/**
 * Reads a live store through ONE read-only REPEATABLE READ transaction, so that every check sees
 * the same instant of every table, and streams query results through a server-side cursor, so
 * memory stays bounded however large the tables are. A read-only transaction takes no transaction
 * id, so it does not hold back the relay's and projectors' commit-order readers (the xmin rule).
 */
export class SnapshotReader {
  private cursors = 0;

  private constructor(private readonly client: pg.PoolClient) {}

  static async open(pool: pg.Pool): Promise<SnapshotReader> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    } catch (error) {
      client.release();
      throw error;
    }
    return new SnapshotReader(client);
  }

  async query<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(sql, params)).rows as T[];
  }

  /** Rows of `sql`, `batch` at a time. */
  async *stream<T = Record<string, any>>(sql: string, params: unknown[] = [], batch = 2000): AsyncGenerator<T> {
    const name = `verify_cursor_${++this.cursors}`;
    await this.client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
    try {
      for (;;) {
        const { rows } = await this.client.query(`FETCH ${batch} FROM ${name}`);
        for (const row of rows) yield row as T;
        if (rows.length < batch) return;
      }
    } finally {
      // After a failed FETCH the transaction is aborted; the original error is the one to report.
      await this.client.query(`CLOSE ${name}`).catch(() => {});
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.query('ROLLBACK');
    } finally {
      this.client.release();
    }
  }
}
