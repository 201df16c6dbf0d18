import type pg from 'pg';
import { isAfter, positionOf, readCheckpoint, writeCheckpoint } from '../bus/checkpoint.ts';
import type { RecordedEvent } from '../store/types.ts';
import type { Projection } from './projection.ts';

/**
 * Applies events (in commit order) to a projection and moves its checkpoint in ONE transaction.
 * Events at or before the checkpoint are skipped: a redelivery, a duplicate or an older message
 * has no effect. The checkpoint row is locked, so two appliers of one projection serialize.
 * Returns the events applied.
 */
export async function applyEvents(pool: pg.Pool, projection: Projection, events: RecordedEvent[]): Promise<RecordedEvent[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO subscription_checkpoints (subscription, transaction_id, global_position) VALUES ($1, 0, 0)
       ON CONFLICT (subscription) DO NOTHING`,
      [projection.name],
    );
    const checkpoint = await readCheckpoint(client, projection.name, { forUpdate: true });
    const fresh = events.filter((event) => isAfter(event, checkpoint));
    const wanted = fresh.filter((event) => projection.eventTypes.includes(event.eventType));
    if (fresh.length === 0) {
      await client.query('ROLLBACK');
      return [];
    }
    if (wanted.length > 0) {
      if (projection.handleBatch) await projection.handleBatch(wanted, client);
      else for (const event of wanted) await projection.handle(event, client);
    }
    await writeCheckpoint(client, projection.name, positionOf(fresh[fresh.length - 1]!));
    await client.query('COMMIT');
    return wanted;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
