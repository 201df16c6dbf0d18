import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { anchors, relativeLinks, slug } from './markdown-links.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** README.md and every Markdown page under docs/, as paths relative to the repository. */
function pages(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) return docs(relative);
      return entry.name.endsWith('.md') ? [relative] : [];
    });
  return ['README.md', ...docs('docs')];
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let found = anchorCache.get(file);
  if (!found) anchorCache.set(file, (found = anchors(readFileSync(file, 'utf8'))));
  return found;
}

/** Why the link is broken, or undefined when it is not. */
function problemOf(page: string, target: string): string | undefined {
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = pathPart === '' ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), pathPart);
  if (!file.startsWith(ROOT)) return 'points outside the repository';
  if (!existsSync(file)) return 'no such file or folder';
  if (anchor === undefined || anchor === '') return undefined;
  if (!file.endsWith('.md') || statSync(file).isDirectory()) return undefined; // anchors of code files are line numbers: GitHub's, not checked
  return anchorsOf(file).has(anchor) ? undefined : `no heading with anchor #${anchor} in ${path.relative(ROOT, file)}`;
}

describe('documentation links', () => {
  it('every relative link in README.md and docs/ points to a file that exists, and to a heading that exists', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages()) {
      for (const { line, target } of relativeLinks(readFileSync(path.join(ROOT, page), 'utf8'))) {
        checked++;
        const problem = problemOf(page, target);
        if (problem) broken.push(`${page}:${line}: ${target}: ${problem}`);
      }
    }
    assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
    assert.ok(checked > 50, `only ${checked} links found: is the link extraction still working?`);
  });

  it('the README links into every page of docs/', () => {
    const linked = new Set(relativeLinks(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map(({ target }) => path.normalize(target.split('#')[0]!)));
    const unlinked = pages().filter((page) => page !== 'README.md' && !linked.has(path.normalize(page)));
    assert.deepEqual(unlinked, [], 'pages the README does not link to');
  });
});

describe('markdown link extraction', () => {
  it('finds inline and reference links, not those in code, and skips absolute URLs', () => {
    const markdown = [
      'See [the store](docs/architecture.md#the-event-store) and [`src/`](../src/).',
      '`[not a link](nowhere.md)` and <https://example.com> and [web](https://example.com/x.md)',
      '```',
      '[inside a fence](fenced.md)',
      '```',
      '[ref]: ./docs/cli.md',
    ].join('\n');
    assert.deepEqual(relativeLinks(markdown), [
      { line: 1, target: 'docs/architecture.md#the-event-store' },
      { line: 1, target: '../src/' },
      { line: 6, target: './docs/cli.md' },
    ]);
  });

  it('makes anchors the way GitHub does', () => {
    assert.equal(slug('Guarantees, precisely'), 'guarantees-precisely');
    assert.equal(slug('Why a gate on open-source BullMQ'), 'why-a-gate-on-open-source-bullmq');
    assert.equal(slug('Scenario 5: relay, store -> NATS JetStream'), 'scenario-5-relay-store---nats-jetstream');
    assert.equal(slug('The `eventstore` command'), 'the-eventstore-command');
    const found = anchors('# Title\n## Notes\n```\n## Not a heading\n```\n## Notes\n<a id="custom"></a>');
    assert.deepEqual([...found].sort(), ['custom', 'notes', 'notes-1', 'title']);
  });
});
