import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { deleteCheckpoint, isAfter, positionOf } from '../subscriptions/checkpoint.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { decodeEvent } from '../envelope/codec.ts';
import { EventStoreError, InvalidEnvelopeError, InvalidInputError } from '../errors.ts';
import { EventStore } from '../store/event-store.ts';
import { START, type CommitPosition, type RecordedEvent } from '../store/types.ts';
import { applyEvents } from './apply.ts';
import { ProjectionLock } from './projection-lock.ts';
import type { Projection } from './projection.ts';

/** How long to wait when events exist but the xmin rule holds them back a moment. */
const HELD_BACK_PAUSE_MS = 25;

export class RebuildNotSupportedError extends EventStoreError {
  override readonly code = 'rebuild_not_supported';
}

export interface RebuildOptions {
  pool: pg.Pool;
  /** 'store': straight from PostgreSQL in commit order (fastest); 'bus': from the event log on NATS. */
  source: 'store' | 'bus';
  bus?: EventBus;
  /** Events per transaction (default 2000). */
  batchSize?: number;
  onProgress?: (progress: { events: number; skipped: number }) => void;
}

/**
 * Empties a projection and applies every event again, in batches: each batch and the checkpoint
 * in one transaction (a crash leaves a consistent, partial view; run the rebuild again).
 * Stop the projection's projectors first: a live projector could move the checkpoint past events
 * the rebuild has not applied yet, so a rebuild under a running projector throws
 * ProjectionBusyError (see ProjectionLock). Events the projection refuses as bad input are skipped
 * and counted. Returns the events applied.
 */
export async function rebuildProjection(projection: Projection, options: RebuildOptions): Promise<{ events: number; skipped: number }> {
  if (!projection.reset) throw new RebuildNotSupportedError(`projection ${projection.name} has no reset(): it cannot be rebuilt`);
  if (options.source === 'bus' && !options.bus) throw new RebuildNotSupportedError('rebuild from the bus needs options.bus');
  const { pool } = options;
  const lock = await ProjectionLock.exclusive(pool, projection.name);
  try {
    return await rebuild(projection, options);
  } finally {
    lock.release();
  }
}

async function rebuild(projection: Projection, options: RebuildOptions): Promise<{ events: number; skipped: number }> {
  const { pool } = options;
  await inTransaction(pool, async (tx) => {
    await projection.reset!(tx);
    await deleteCheckpoint(tx, projection.name);
  });
  const totals = { events: 0, skipped: 0 };
  const apply = async (batch: RecordedEvent[]) => {
    const { applied, skipped } = await applyBatch(pool, projection, batch);
    totals.events += applied;
    totals.skipped += skipped;
    options.onProgress?.({ ...totals });
  };
  if (options.source === 'store') await fromStore(pool, options.batchSize ?? 2000, apply);
  else await fromBus(options.bus!, (skipped) => (totals.skipped += skipped), apply);
  return totals;
}

/**
 * Reads the store up to at least its head as of the start. An empty page before that head only
 * means an older transaction somewhere in the cluster still holds readers back (the xmin rule):
 * wait for it instead of ending with a partial view.
 */
async function fromStore(pool: pg.Pool, batchSize: number, apply: (batch: RecordedEvent[]) => Promise<void>): Promise<void> {
  const store = new EventStore(pool);
  const head = await store.head();
  let position: CommitPosition = START;
  let next = store.readAll({ after: position, limit: batchSize });
  for (;;) {
    const events = await next;
    if (events.length === 0) {
      if (!head || !isAfter(head, position)) return;
      await sleep(HELD_BACK_PAUSE_MS);
    } else {
      position = positionOf(events[events.length - 1]!);
    }
    next = store.readAll({ after: position, limit: batchSize }); // read ahead while applying
    next.catch(() => {});
    if (events.length > 0) await apply(events);
  }
}

async function fromBus(bus: EventBus, onSkipped: (n: number) => void, apply: (batch: RecordedEvent[]) => Promise<void>): Promise<void> {
  await bus.readHistory(bus.subjects.events, { from: 'all' }, async (messages) => {
    const events = decodeEnvelopes(messages, onSkipped);
    if (events.length > 0) await apply(events);
  });
}

/** The events of a batch of messages; messages that are no valid envelope are counted and left out. */
export function decodeEnvelopes(messages: Array<{ data: Uint8Array }>, onInvalid: (count: number) => void): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const message of messages) {
    try {
      events.push(decodeEvent(message.data));
    } catch (error) {
      if (!(error instanceof InvalidEnvelopeError)) throw error;
      onInvalid(1);
    }
  }
  return events;
}

/** The batch in one transaction; when the projection refuses an event, event by event, skipping it. */
export async function applyBatch(pool: pg.Pool, projection: Projection, batch: RecordedEvent[]): Promise<{ applied: number; skipped: number }> {
  try {
    return { applied: (await applyEvents(pool, projection, batch)).length, skipped: 0 };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
  }
  let applied = 0;
  let skipped = 0;
  for (const event of batch) {
    try {
      applied += (await applyEvents(pool, projection, [event])).length;
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      skipped++;
    }
  }
  return { applied, skipped };
}

async function inTransaction(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
