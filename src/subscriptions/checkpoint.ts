import type { Queryable } from '../store/event-store.ts';
import { START, type CommitPosition } from '../store/types.ts';

/**
 * Checkpoints in subscription_checkpoints: the commit position pair (transaction id, global
 * position) a subscriber has fully processed. Never the global position alone (see readAll).
 */

export async function readCheckpoint(db: Queryable, subscription: string, options: { forUpdate?: boolean } = {}): Promise<CommitPosition> {
  const { rows } = await db.query(
    `SELECT transaction_id, global_position FROM subscription_checkpoints WHERE subscription = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [subscription],
  );
  return rows[0] ? { transactionId: Number(rows[0].transaction_id), globalPosition: Number(rows[0].global_position) } : START;
}

export async function writeCheckpoint(db: Queryable, subscription: string, position: CommitPosition): Promise<void> {
  await db.query(
    `INSERT INTO subscription_checkpoints (subscription, transaction_id, global_position) VALUES ($1, $2, $3)
     ON CONFLICT (subscription) DO UPDATE
       SET transaction_id = excluded.transaction_id, global_position = excluded.global_position, updated_at = now()`,
    [subscription, position.transactionId, position.globalPosition],
  );
}

export async function deleteCheckpoint(db: Queryable, subscription: string): Promise<void> {
  await db.query('DELETE FROM subscription_checkpoints WHERE subscription = $1', [subscription]);
}

/** Is `a` after `b` in commit order? */
export function isAfter(a: CommitPosition, b: CommitPosition): boolean {
  return a.transactionId > b.transactionId || (a.transactionId === b.transactionId && a.globalPosition > b.globalPosition);
}

export function positionOf(event: CommitPosition): CommitPosition {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}

export interface Lag {
  position: CommitPosition;
  /** Committed events after the checkpoint (including those the xmin rule still holds back). */
  lagEvents: number;
  /** Age of the oldest committed event after the checkpoint; 0 when caught up. */
  lagSeconds: number;
}

/**
 * How far a checkpointed subscriber is behind the store. With `eventTypes`, only events of those
 * types count (a projection does not move its checkpoint for events it does not handle).
 */
export async function checkpointLag(db: Queryable, subscription: string, eventTypes?: string[]): Promise<Lag> {
  const position = await readCheckpoint(db, subscription);
  const { rows } = await db.query(
    `SELECT count(*)::bigint AS events,
            COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS seconds
     FROM events WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
       AND ($3::text[] IS NULL OR event_type = ANY($3::text[]))`,
    [String(position.transactionId), position.globalPosition, eventTypes ?? null],
  );
  return { position, lagEvents: Number(rows[0].events), lagSeconds: Math.max(0, Number(rows[0].seconds)) };
}
