/**
 * `npx tsx bench/update-readme.ts`: puts bench/results/latest.md into docs/benchmarks.md between
 * the bench:latest markers, so the docs show exactly what the last run measured. The README only
 * links there: no benchmark figure is written into it.
 */
import { readFile, writeFile } from 'node:fs/promises';

const PAGE = new URL('../docs/benchmarks.md', import.meta.url);
const LATEST = new URL('./results/latest.md', import.meta.url);
const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';

const page = await readFile(PAGE, 'utf8');
const latest = await readFile(LATEST, 'utf8');
const from = page.indexOf(START);
const to = page.indexOf(END);
if (from < 0 || to < from) throw new Error(`docs/benchmarks.md has no ${START} ... ${END} section`);
// latest.md's scenario headings (###) already sit one level below the page's "## Latest figures".
await writeFile(PAGE, `${page.slice(0, from + START.length)}\n${latest.trim()}\n${page.slice(to)}`);
