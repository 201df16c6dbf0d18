/**
 * `npx tsx bench/update-readme.ts`: puts bench/results/latest.md into the README between the
 * bench:latest markers, so the README shows exactly what the last run measured.
 */
import { readFile, writeFile } from 'node:fs/promises';

const README = new URL('../README.md', import.meta.url);
const LATEST = new URL('./results/latest.md', import.meta.url);
const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';

const readme = await readFile(README, 'utf8');
const latest = await readFile(LATEST, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error(`README.md has no ${START} ... ${END} section`);
// Scenario headings sit one level below the README's "Latest figures".
const body = latest.trim().replace(/^### /gm, '#### ');
await writeFile(README, `${readme.slice(0, from + START.length)}\n${body}\n${readme.slice(to)}`);
