import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyPatches, failedTests, StalePatchError } from './run.ts';
import { MUTATIONS } from './mutations.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the guarantee mutations (npm run test:mutations)', () => {
  // Cheap and in `npm test`: when the code a mutation targets changes, this names the mutation to update.
  for (const mutation of MUTATIONS) {
    it(`${mutation.id} still applies to the code it breaks`, () => {
      for (const patch of mutation.patches) {
        const found = readFileSync(join(ROOT, patch.file), 'utf8').split(patch.find).length - 1;
        assert.equal(found, patch.count, new StalePatchError(mutation.id, patch, found).message);
      }
      for (const test of mutation.tests) assert.ok(readFileSync(join(ROOT, test)), `${mutation.id}: test file ${test} exists`);
    });
  }

  it('refuses a patch whose match count differs, writing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutation-patch-'));
    try {
      writeFileSync(join(dir, 'a.ts'), 'x = 1; x = 1;');
      const mutation = { id: 'm', guarantee: '', docs: '', tests: [], patches: [{ file: 'a.ts', find: 'x = 1;', replace: 'x = 2;', count: 1 }] };
      assert.throws(() => applyPatches(dir, mutation), (error: Error) => error instanceof StalePatchError && /mutation m: expected 1 match\(es\) in a\.ts, found 2/.test(error.message));
      assert.equal(readFileSync(join(dir, 'a.ts'), 'utf8'), 'x = 1; x = 1;');
      applyPatches(dir, { ...mutation, patches: [{ ...mutation.patches[0]!, count: 2 }] });
      assert.equal(readFileSync(join(dir, 'a.ts'), 'utf8'), 'x = 2; x = 2;');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the innermost failing tests of TAP output', () => {
    const tap = ['    ok 1 - fine', '    not ok 2 - inner breaks', 'not ok 1 - the suite', 'not ok 2 - a top-level test', 'ok 3 - other'].join('\n');
    assert.deepEqual(failedTests(tap), ['inner breaks', 'a top-level test']);
  });
});
