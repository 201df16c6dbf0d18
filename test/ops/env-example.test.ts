import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/env.ts';
import { loadWorkerSettings } from '../../src/commands/worker/worker-settings.ts';

const EXAMPLE = readFileSync('.env.example', 'utf8');

/** KEY=value lines, and the keys of commented-out `# KEY=value` lines. */
function parse(text: string): { set: Record<string, string>; listed: Set<string> } {
  const set: Record<string, string> = {};
  const listed = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    listed.add(match[2]!);
    if (!match[1]) set[match[2]!] = match[3]!;
  }
  return { set, listed };
}

/** Every setting name the sources read: env.X, env['X'], read.kind('X', ...) and worker settings. */
function settingsReadBySources(dir = 'src'): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      for (const name of settingsReadBySources(path)) names.add(name);
      continue;
    }
    if (!path.endsWith('.ts')) continue;
    const text = readFileSync(path, 'utf8');
    for (const pattern of [/\benv\.([A-Z][A-Z0-9_]+)/g, /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g, /\bread\.[a-z]+\('([A-Z][A-Z0-9_]+)'/g, /^\s+([A-Z][A-Z0-9_]+): \['/gm]) {
      for (const match of text.matchAll(pattern)) names.add(match[1]!);
    }
  }
  return names;
}

describe('.env.example', () => {
  it('lists every setting the sources read', () => {
    const { listed } = parse(EXAMPLE);
    const missing = [...settingsReadBySources()].filter((name) => !listed.has(name));
    assert.deepEqual(missing, []);
  });

  it('gives the defaults: loading it changes no setting', () => {
    const { set } = parse(EXAMPLE);
    // MIGRATION_DATABASE_URL's default depends on whether DATABASE_URL is set: compare with both given.
    const bare = { MIGRATION_DATABASE_URL: set.MIGRATION_DATABASE_URL, DATABASE_URL: set.DATABASE_URL };
    assert.deepEqual(loadConfig(set), loadConfig(bare));
    assert.deepEqual(loadWorkerSettings(set), loadWorkerSettings({}));
  });
});
