import type pg from 'pg';
import type { EventBus } from '../bus/event-bus.ts';
import { EventStore } from '../store/event-store.ts';
import { checkEventLog } from './log-check.ts';
import type { Projection } from '../projections/projection.ts';
import { checkProjection } from './projection-check.ts';
import { CheckRecorder, type CheckResult, type VerifyReport } from './report.ts';
import { SnapshotReader } from './snapshot-reader.ts';
import { checkAcceptanceOrder, checkCommands, checkSnapshots, checkVersions } from './store-checks.ts';

export interface VerifyOptions {
  /** The store. Only read: nothing verify does is ever committed. */
  pool: pg.Pool;
  /** The event bus whose event log is compared with the store's commit order; absent: check skipped. */
  bus?: EventBus;
  /** Events the relay has not published yet count as a violation (default false: relay lag is a note). */
  requireLogCaughtUp?: boolean;
  /** Read models compared with a rebuild up to their checkpoints (each must declare its `tables`). */
  projections?: Projection[];
  /** How many violations each check keeps as examples (all are counted). Default 20. */
  maxExamples?: number;
}

/**
 * Checks the guarantees the system makes and reports every violation found: the store's checks in
 * one read-only snapshot, then the event log against the store's commit order, then each projection
 * against a rebuild. Bounded in memory and read-only, so it can run against a live system; the
 * report is `ok` only when every check holds.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const limit = options.maxExamples ?? 20;
  const checks: CheckResult[] = [];
  const reader = await SnapshotReader.open(options.pool);
  try {
    checks.push(await checkVersions(reader, limit));
    checks.push(await checkCommands(reader, limit));
    checks.push(await checkAcceptanceOrder(reader, limit));
    checks.push(await checkSnapshots(reader, limit));
  } finally {
    await reader.close();
  }
  const store = new EventStore(options.pool);
  checks.push(
    options.bus
      ? await checkEventLog(store, options.bus, limit, { requireCaughtUp: options.requireLogCaughtUp ?? false })
      : new CheckRecorder('event log', limit).skipped('no event bus given'),
  );
  for (const projection of options.projections ?? []) checks.push(await checkProjection(options.pool, projection, limit));
  return { ok: checks.every((c) => c.violationCount === 0), checks };
}
