import type pg from 'pg';
import type { EventBus } from '../bus/event-bus.ts';
import type { StartPosition } from '../bus/start-position.ts';
import type { Projection } from './projection.ts';
import { applyBatch, decodeEnvelopes } from './rebuild.ts';

export interface ReplayTotals {
  read: number;
  applied: number;
  /** Messages that are no event envelope, and events the projection refused as bad input. */
  invalid: number;
}

/**
 * Reads the event log from `startAt` to its current end and applies it through the projection's
 * exactly-once apply: events at or before its checkpoint are skipped, so a replay is safe while
 * its projector runs and fills in only what the projection missed.
 */
export async function replayProjection(
  projection: Projection,
  options: { pool: pg.Pool; bus: EventBus; startAt: StartPosition; onProgress?: (totals: ReplayTotals) => void },
): Promise<ReplayTotals> {
  const { pool, bus } = options;
  const totals: ReplayTotals = { read: 0, applied: 0, invalid: 0 };
  await bus.readHistory(bus.subjects.events, options.startAt, async (messages) => {
    totals.read += messages.length;
    const { applied, skipped } = await applyBatch(pool, projection, decodeEnvelopes(messages, (n) => (totals.invalid += n)));
    totals.applied += applied;
    totals.invalid += skipped;
    options.onProgress?.({ ...totals });
  });
  return totals;
}
