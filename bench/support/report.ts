import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScenarioResult } from './scenario-result.ts';

/** The markdown the bench prints and the README shows: machine once, then one table per scenario. */
export function renderMarkdown(results: readonly ScenarioResult[]): string {
  const first = results[0];
  if (!first) return 'No scenario ran.\n';
  const m = first.machine;
  const s = first.settings;
  const lines = [
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, PostgreSQL ${m.postgres}, ` +
      `Redis ${m.redis}, NATS ${m.nats} (all on the same machine).`,
    `Settings: ${Object.entries(s.postgres).map(([k, v]) => `${k}=${v}`).join(', ')}; Redis ` +
      `${Object.entries(s.redis).map(([k, v]) => `${k}=${v || '""'}`).join(', ')}; ${s.workerProcesses} worker processes. ` +
      `Date: ${first.date}.`,
    '',
  ];
  for (const result of results) lines.push(...renderScenario(result), '');
  return `${lines.join('\n')}\n`;
}

function renderScenario(result: ScenarioResult): string[] {
  const params = Object.entries(result.params).map(([k, v]) => `${k}=${v}`).join(', ');
  const lines = [
    `### ${result.title}`,
    '',
    `${params}; load average ${result.loadAverage.before.join(' ')} before, ${result.loadAverage.after.join(' ')} after.`,
    '',
    `| contender | ${result.columns.map((c) => c.label).join(' | ')} |`,
    `|---|${result.columns.map(() => '---:').join('|')}|`,
  ];
  for (const contender of result.contenders) {
    const cells = result.columns.map((c) => formatCell(contender.figures[c.key]));
    lines.push(`| ${contender.name} | ${cells.join(' | ')} |`);
  }
  if (result.targets.length > 0) {
    lines.push('', ...result.targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} (measured ${t.measured})`));
  }
  if (result.notes.length > 0) lines.push('', ...result.notes.map((n) => `- ${n}`));
  return lines;
}

function formatCell(value: number | string | undefined): string {
  if (value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '–';
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : String(value);
}

/**
 * Writes the results; scenarios of an earlier run that this run did not measure (see --only) are
 * kept, each with its own machine, load and date. Returns everything written, in scenario order.
 */
export async function writeJson(file: string, results: readonly ScenarioResult[], order: readonly string[]): Promise<ScenarioResult[]> {
  const kept = (await readEarlier(file)).filter((old) => !results.some((r) => r.scenario === old.scenario));
  const all = [...kept, ...results].sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(all, null, 2)}\n`);
  return all;
}

async function readEarlier(file: string): Promise<ScenarioResult[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return Array.isArray(parsed) ? (parsed as ScenarioResult[]) : [];
  } catch {
    return []; // no earlier run, or not ours: start afresh
  }
}
