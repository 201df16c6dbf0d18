import type pg from 'pg';
import { type EventBus } from '../bus/event-bus.ts';
import { createEventBus } from '../bus/connect.ts';
import type { StartPosition } from '../bus/start-position.ts';
import { loadConfig } from '../config/env.ts';
import type { Projection } from './projection.ts';
import { applyBatch, decodeEnvelopes, rebuildProjection } from './rebuild.ts';
import { createPool } from '../store/pool.ts';
import { progressReporter } from '../cli/progress.ts';

/**
 * `eventstore replay`: reads the event log from `startAt` to its current end and applies it
 * through the projection's exactly-once apply (events at or before its checkpoint are skipped).
 */
export async function replay(projection: Projection, startAt: StartPosition): Promise<void> {
  await withConnections(async (pool, bus) => {
    const progress = progressReporter(`replay ${projection.name}`);
    const totals = { read: 0, applied: 0, invalid: 0 };
    const text = () => `${totals.read} read, ${totals.applied} applied, ${totals.invalid} refused as invalid`;
    await bus!.readHistory(bus!.subjects.events, startAt, async (messages) => {
      totals.read += messages.length;
      const { applied, skipped } = await applyBatch(pool, projection, decodeEnvelopes(messages, (n) => (totals.invalid += n)));
      totals.applied += applied;
      totals.invalid += skipped;
      progress.update(text());
    });
    progress.done(text());
  });
}

/** `eventstore rebuild`: empties the projection and applies every event again. */
export async function rebuild(projection: Projection, source: 'store' | 'bus'): Promise<void> {
  await withConnections(async (pool, bus) => {
    const progress = progressReporter(`rebuild ${projection.name} from ${source}`);
    const result = await rebuildProjection(projection, {
      pool,
      source,
      ...(bus ? { bus } : {}),
      onProgress: ({ events, skipped }) => progress.update(`${events} applied, ${skipped} skipped`),
    });
    progress.done(`${result.events} applied, ${result.skipped} skipped`);
  }, source === 'bus');
}

async function withConnections(work: (pool: pg.Pool, bus: EventBus | undefined) => Promise<void>, needsBus = true): Promise<void> {
  const config = loadConfig();
  const pool = createPool(config.databaseUrl, { max: 4, applicationName: 'eventstore-cli' });
  const bus = needsBus ? await createEventBus(config, { clientName: `${config.natsPrefix}-cli` }) : undefined;
  try {
    await work(pool, bus);
  } finally {
    await bus?.close();
    await pool.end();
  }
}
