import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * What the package's entry points load, read from the source's import statements (static and
 * dynamic; type-only imports are erased at run time and do not count as loading).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Imports {
  files: Set<string>;
  packages: Set<string>;
}

function importsOf(file: string, withTypes: boolean): Array<{ specifier: string; typeOnly: boolean }> {
  const text = readFileSync(file, 'utf8');
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[3] ?? match[4]!;
    const typeOnly = match[2] !== undefined;
    if (withTypes || !typeOnly) found.push({ specifier, typeOnly });
  }
  return found;
}

/** Every source file and package `entry` loads at run time, transitively. */
function runtimeGraph(entry: string): Imports {
  const graph: Imports = { files: new Set(), packages: new Set() };
  const visit = (file: string) => {
    if (graph.files.has(file)) return;
    graph.files.add(file);
    for (const { specifier } of importsOf(file, false)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else graph.packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(resolve(ROOT, entry));
  return graph;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the package entry points', () => {
  it('/client loads the command queue and the store, never NATS, the projections or the HTTP server', () => {
    const { files, packages } = runtimeGraph('src/client.ts');
    const far = [...files].map((file) => relative(ROOT, file)).filter((file) => /^src\/(bus|subscriptions|projections|http|runtime|cli|verify)\//.test(file));
    assert.deepEqual(far, [], 'source folders the client must not load');
    const heavy = [...packages].filter((name) => /^(@nats-io|node-nats-streaming|fastify|@fastify|@bull-board|prom-client)$/.test(name));
    assert.deepEqual(heavy, [], 'packages the client must not load');
    assert.ok(packages.has('bullmq') && packages.has('pg'), 'the walk found the client\'s own dependencies');
  });

  it('nothing under src/ imports the example', () => {
    const offenders = sourceFiles(join(ROOT, 'src')).flatMap((file) =>
      importsOf(file, true)
        .filter(({ specifier }) => specifier.startsWith('.') && relative(ROOT, resolve(dirname(file), specifier)).startsWith('examples'))
        .map(({ specifier }) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    assert.deepEqual(offenders, []);
  });
});
