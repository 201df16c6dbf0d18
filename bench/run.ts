/**
 * `npm run bench`: runs the scenarios, writes bench/results/latest.json (one object per scenario)
 * and prints a markdown table per scenario. Progress goes to stderr, the tables to stdout.
 * Not part of `npm test`; test/bench runs the same code at tiny sizes so it cannot rot.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBenchOptions, type BenchOptions } from './support/cli-options.ts';
import { describeMachine, loadAverage, readSettings } from './support/machine.ts';
import { renderMarkdown, writeJson } from './support/report.ts';
import type { Scenario, ScenarioResult } from './support/scenario-result.ts';
import { SCENARIOS } from './scenarios/index.ts';

export async function runBench(options: BenchOptions, log: (message: string) => void): Promise<ScenarioResult[]> {
  const selected = selectScenarios(options.only);
  const machine = await describeMachine(options);
  const settings = await readSettings(options.redisUrl, options.workers);
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    const before = loadAverage();
    const started = Date.now();
    log(`scenario ${scenario.name} (load average ${before.join(' ')})`);
    const outcome = await scenario.run({ options, log });
    results.push({
      scenario: scenario.name,
      ...outcome,
      machine,
      settings,
      loadAverage: { before, after: loadAverage() },
      date: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    });
  }
  return results;
}

function selectScenarios(only: string[] | undefined): Scenario[] {
  if (!only) return SCENARIOS;
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return SCENARIOS.filter((s) => only.includes(s.name));
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const results = await runBench(options, (message) => process.stderr.write(`[bench] ${message}\n`));
  const all = await writeJson(options.out, results, SCENARIOS.map((s) => s.name));
  process.stdout.write(renderMarkdown(results));
  process.stderr.write(`[bench] wrote ${options.out} (${all.length} scenarios; markdown of all: bench/results/latest.md)\n`);
  await writeFile(path.join(path.dirname(options.out), 'latest.md'), renderMarkdown(all));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
