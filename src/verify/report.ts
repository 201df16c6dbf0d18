/**
 * What `verify` found. Every check says how much it looked at and lists its violations; a check
 * keeps only its first examples (bounded memory on a broken store) but counts them all.
 */
export interface Violation {
  /** Machine-readable kind, e.g. "version_gap" (see each check). */
  kind: string;
  /** What is wrong, for a human: names the aggregate, command or event. */
  message: string;
}

export interface CheckResult {
  name: string;
  /** What the check examined, e.g. "12000 events in 500 aggregates". */
  examined: string;
  violationCount: number;
  /** The first violations found (at most the report's example limit). */
  violations: Violation[];
  /** Why the check did not run (e.g. no NATS connection given); a skipped check is no failure. */
  skipped?: string;
  /** Facts worth knowing that break no guarantee (e.g. the relay is behind, duplicates dropped by id). */
  notes: string[];
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
}

/** Collects one check's findings, keeping at most `limit` examples. */
export class CheckRecorder {
  private readonly result: CheckResult;

  constructor(name: string, private readonly limit: number) {
    this.result = { name, examined: '', violationCount: 0, violations: [], notes: [] };
  }

  violation(kind: string, message: string): void {
    this.result.violationCount++;
    if (this.result.violations.length < this.limit) this.result.violations.push({ kind, message });
  }

  note(message: string): void {
    this.result.notes.push(message);
  }

  examined(text: string): CheckResult {
    this.result.examined = text;
    return this.result;
  }

  skipped(reason: string): CheckResult {
    this.result.skipped = reason;
    return this.result;
  }
}

/** The report as text: one block per check, then the verdict. */
export function formatReport(report: VerifyReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    const status = check.skipped ? 'SKIP' : check.violationCount === 0 ? 'ok  ' : 'FAIL';
    lines.push(`${status} ${check.name}: ${check.skipped ?? check.examined}`);
    for (const v of check.violations) lines.push(`       - [${v.kind}] ${v.message}`);
    if (check.violationCount > check.violations.length) {
      lines.push(`       ... and ${check.violationCount - check.violations.length} more`);
    }
    for (const note of check.notes) lines.push(`       note: ${note}`);
  }
  const failed = report.checks.filter((c) => c.violationCount > 0);
  lines.push(
    report.ok
      ? `verify: all ${report.checks.filter((c) => !c.skipped).length} checks hold`
      : `verify: ${failed.reduce((n, c) => n + c.violationCount, 0)} violation(s) in ${failed.map((c) => c.name).join(', ')}`,
  );
  return lines.join('\n');
}
