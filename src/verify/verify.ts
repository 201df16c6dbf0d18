import type pg from 'pg';
import type { CheckResult, VerifyReport } from './report.ts';
import { SnapshotReader } from './snapshot-reader.ts';
import { checkAcceptanceOrder, checkCommands, checkVersions } from './store-checks.ts';

export interface VerifyOptions {
  /** The store. Only read: the checks run in one read-only transaction. */
  pool: pg.Pool;
  /** How many violations each check keeps as examples (all are counted). Default 20. */
  maxExamples?: number;
  /** Further checks that need more than the store (the NATS event log, projections). */
  extraChecks?: ((limit: number) => Promise<CheckResult>)[];
}

/**
 * Checks the guarantees the system makes and reports every violation found. Read-only and bounded
 * in memory, so it can run against a live system; the report is `ok` only when every check holds.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const limit = options.maxExamples ?? 20;
  const checks: CheckResult[] = [];
  const reader = await SnapshotReader.open(options.pool);
  try {
    checks.push(await checkVersions(reader, limit));
    checks.push(await checkCommands(reader, limit));
    checks.push(await checkAcceptanceOrder(reader, limit));
  } finally {
    await reader.close();
  }
  for (const extra of options.extraChecks ?? []) checks.push(await extra(limit));
  return { ok: checks.every((c) => c.violationCount === 0), checks };
}
