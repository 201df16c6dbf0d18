import type { Queryable } from '../../src/store/event-store.ts';

/**
 * The store's commit order, as an independent oracle: plain SQL over the events table, never the
 * code under test (EventStore.readAll). Call it only after every writer has finished, since the
 * order of committed rows is final only when no transaction that could still commit is open.
 */
export async function commitOrder(db: Queryable): Promise<string[]> {
  const { rows } = await db.query('SELECT event_id::text FROM events ORDER BY transaction_id, global_position');
  return rows.map((row) => row.event_id);
}

/** The commit position of the n-th event (1-based) in commit order. */
export async function commitPositionAt(db: Queryable, n: number): Promise<{ transactionId: number; globalPosition: number }> {
  const { rows } = await db.query(
    'SELECT transaction_id::text, global_position FROM events ORDER BY transaction_id, global_position OFFSET $1 LIMIT 1',
    [n - 1],
  );
  return { transactionId: Number(rows[0].transaction_id), globalPosition: Number(rows[0].global_position) };
}
