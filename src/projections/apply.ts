import type pg from 'pg';
import { isAfter, positionOf } from '../subscriptions/checkpoint.ts';
import { validateBusName } from '../bus/errors.ts';
import { START, type CommitPosition, type RecordedEvent } from '../store/types.ts';
import type { Projection } from './projection.ts';

/**
 * Test-only fault injection, never set by the library: called inside the transaction after the
 * handler wrote and before the checkpoint is written, so a crash test can die (or pause) exactly
 * between the two writes that must commit together.
 */
export const applyFaultHooks: { beforeCheckpoint?: (projection: string, events: RecordedEvent[]) => void | Promise<void> } = {};

/**
 * Applies events (in commit order) to a projection and moves its checkpoint in ONE transaction.
 * Events at or before the checkpoint are skipped: a redelivery, a duplicate or an older message
 * has no effect. The checkpoint row is locked, so two appliers of one projection serialize.
 * Returns the events applied.
 *
 * Three round trips per call (BEGIN + lock, the handler, checkpoint + COMMIT): the live projector
 * runs one call per event, so round trips are its speed limit. The statements are sent as simple
 * multi-statement queries; the values put into them are a validated name and integers.
 */
export async function applyEvents(pool: pg.Pool, projection: Projection, events: RecordedEvent[]): Promise<RecordedEvent[]> {
  const name = validateBusName('projection name', projection.name);
  const client = await pool.connect();
  try {
    const checkpoint = await lockCheckpoint(client, name);
    const fresh = events.filter((event) => isAfter(event, checkpoint));
    if (fresh.length === 0) {
      await client.query('ROLLBACK');
      return [];
    }
    const wanted = fresh.filter((event) => projection.eventTypes.includes(event.eventType));
    if (wanted.length > 0) {
      if (projection.handleBatch) await projection.handleBatch(wanted, client);
      else for (const event of wanted) await projection.handle(event, client);
    }
    const { transactionId, globalPosition } = positionOf(fresh[fresh.length - 1]!);
    await applyFaultHooks.beforeCheckpoint?.(name, fresh);
    await client.query(
      `UPDATE subscription_checkpoints SET transaction_id = ${int(transactionId)}, global_position = ${int(globalPosition)},
         updated_at = now() WHERE subscription = '${name}'; COMMIT`,
    );
    return wanted;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** BEGIN and lock the projection's checkpoint row (created at START the first time). */
async function lockCheckpoint(client: pg.PoolClient, name: string): Promise<CommitPosition> {
  const select = `SELECT transaction_id, global_position FROM subscription_checkpoints WHERE subscription = '${name}' FOR UPDATE`;
  const results = (await client.query(`BEGIN; ${select}`)) as unknown as pg.QueryResult[];
  let row = results[1]!.rows[0];
  if (!row) {
    await client.query(
      `INSERT INTO subscription_checkpoints (subscription, transaction_id, global_position) VALUES ('${name}', 0, 0)
       ON CONFLICT (subscription) DO NOTHING`,
    );
    row = (await client.query(select)).rows[0];
  }
  return row ? { transactionId: Number(row.transaction_id), globalPosition: Number(row.global_position) } : START;
}

function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  return String(value);
}
