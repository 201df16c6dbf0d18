/**
 * The guarantee-mutation run (`npm run test:mutations [-- [--baseline] [mutation-id...]]`): for
 * each mutation of mutations.ts, a temporary copy of the repository with that one patch applied,
 * and its test files run there. A mutation is killed when its tests fail, survived when they pass.
 * Prints a table; exits 1 when any mutation survived or no longer applies.
 *
 * --baseline first runs every named test file on an unmutated copy: a failure there means the
 * tests themselves are broken or flaky, and no mutation result would mean anything.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS, type Mutation, type Patch } from './mutations.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the tests need of the repository; node_modules is linked, not copied. */
const COPIED = ['src', 'test', 'examples', 'sql', 'proto', 'workers', 'bin', 'scripts', 'package.json', 'tsconfig.json', 'eventstore.config.ts'];
const TIMEOUT_MS = Number(process.env.MUTATION_TIMEOUT_MS ?? 15 * 60_000);
/** Set by Ctrl-C: the running tests are killed, their copy removed, and the run ends. */
let interrupted = false;

export class StalePatchError extends Error {
  readonly code = 'stale_mutation_patch';
  constructor(mutation: string, patch: Patch, found: number) {
    super(
      `mutation ${mutation}: expected ${patch.count} match(es) in ${patch.file}, found ${found}. ` +
        `The code changed: update this mutation's find/count in test/mutations/mutations.ts.\n  find: ${JSON.stringify(patch.find)}`,
    );
  }
}

/** Applies the patches to the tree at `root`; throws StalePatchError before writing anything when one does not match. */
export function applyPatches(root: string, mutation: Mutation): void {
  const edits = new Map<string, string>();
  for (const patch of mutation.patches) {
    const path = join(root, patch.file);
    const text = edits.get(path) ?? (existsSync(path) ? readFileSync(path, 'utf8') : '');
    const found = text.split(patch.find).length - 1;
    if (found !== patch.count) throw new StalePatchError(mutation.id, patch, found);
    edits.set(path, text.split(patch.find).join(patch.replace));
  }
  for (const [path, text] of edits) writeFileSync(path, text);
}

function copyRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eventstore-mutation-'));
  for (const entry of COPIED) {
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  return dir;
}

interface TestRun {
  passed: boolean;
  timedOut: boolean;
  failures: string[];
  output: string;
  ms: number;
}

function runTests(dir: string, tests: string[]): Promise<TestRun> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=tap', ...tests], {
    cwd: dir, env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const stop = () => {
    interrupted = true;
    process.kill(-child.pid!, 'SIGKILL');
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, TIMEOUT_MS);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      resolve({ passed: code === 0 && !timedOut, timedOut, failures: failedTests(output), output, ms: Date.now() - started });
    });
  });
}

/** The innermost failing tests of TAP output: a `not ok` right after a result no deeper than itself. */
export function failedTests(tap: string): string[] {
  const failed: string[] = [];
  let previousIndent = -1;
  for (const line of tap.split('\n')) {
    const result = /^(\s*)(not ok|ok) \d+ - (.*)$/.exec(line);
    if (!result) continue;
    const indent = result[1]!.length;
    if (result[2] === 'not ok' && previousIndent <= indent) failed.push(result[3]!.replace(/ # .*$/, ''));
    previousIndent = indent;
  }
  return failed;
}

type Result = { mutation: Mutation; status: 'killed' | 'survived' | 'stale'; by: string; ms: number; log?: string };

async function runMutation(mutation: Mutation, logs: string): Promise<Result> {
  const dir = copyRepository();
  try {
    try {
      applyPatches(dir, mutation);
    } catch (error) {
      if (error instanceof StalePatchError) return { mutation, status: 'stale', by: error.message, ms: 0 };
      throw error;
    }
    const run = await runTests(dir, mutation.tests);
    const log = join(logs, `${mutation.id}.log`);
    writeFileSync(log, run.output);
    if (run.passed) return { mutation, status: 'survived', by: '', ms: run.ms, log };
    const named = run.failures.length > 2 ? [...run.failures.slice(0, 2), `(+${run.failures.length - 2} more)`] : run.failures;
    const by = run.timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : named.join('; ') || 'the test run failed (see log)';
    return { mutation, status: 'killed', by, ms: run.ms, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function baseline(mutations: Mutation[]): Promise<boolean> {
  const tests = [...new Set(mutations.flatMap((m) => m.tests))];
  const dir = copyRepository();
  try {
    console.log(`baseline: ${tests.length} test files on an unmutated copy`);
    const run = await runTests(dir, tests);
    if (interrupted) process.exit(130);
    if (!run.passed) console.error(`baseline FAILED (${Math.round(run.ms / 1000)} s): ${run.failures.join('; ')}\n${run.output.slice(-4000)}`);
    else console.log(`baseline passed in ${Math.round(run.ms / 1000)} s`);
    return run.passed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ids = args.filter((a) => !a.startsWith('--'));
  const unknown = ids.filter((id) => !MUTATIONS.some((m) => m.id === id));
  if (unknown.length > 0) throw new Error(`unknown mutation(s): ${unknown.join(', ')}; known: ${MUTATIONS.map((m) => m.id).join(', ')}`);
  const chosen = ids.length > 0 ? MUTATIONS.filter((m) => ids.includes(m.id)) : MUTATIONS;
  if (args.includes('--baseline') && !(await baseline(chosen))) process.exit(1);

  const logs = join(tmpdir(), `eventstore-mutations-${new Date().toISOString().replaceAll(':', '-')}`);
  mkdirSync(logs, { recursive: true });
  const started = Date.now();
  const results: Result[] = [];
  for (const mutation of chosen) {
    console.log(`[${results.length + 1}/${chosen.length}] ${mutation.id}: ${mutation.tests.join(' ')}`);
    const result = await runMutation(mutation, logs);
    if (interrupted) process.exit(130);
    console.log(`  ${result.status.toUpperCase()} in ${Math.round(result.ms / 1000)} s${result.by ? `: ${result.by}` : ''}`);
    results.push(result);
  }

  console.log(`\n| Mutation | Guarantee | Result | Killed by | Time |\n|---|---|---|---|---|`);
  for (const r of results) {
    console.log(`| \`${r.mutation.id}\` | ${cell(r.mutation.guarantee)} | ${r.status} | ${cell(r.status === 'stale' ? 'patch no longer applies' : r.by)} | ${Math.round(r.ms / 1000)} s |`);
  }
  const bad = results.filter((r) => r.status !== 'killed');
  console.log(`\n${results.length - bad.length}/${results.length} killed in ${Math.round((Date.now() - started) / 1000)} s; logs in ${logs}`);
  for (const r of bad) console.error(r.status === 'stale' ? `STALE: ${r.by}` : `SURVIVED: ${r.mutation.id} (${r.mutation.tests.join(', ')}); log ${r.log}`);
  process.exit(bad.length > 0 ? 1 : 0);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
