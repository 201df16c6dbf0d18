import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/command.ts';
import { startPositionOf } from '../../src/cli/commands/replay.ts';

describe('replay start options', () => {
  it('maps each of the five options to its start position', () => {
    assert.deepEqual(startPositionOf({}), { from: 'all' });
    assert.deepEqual(startPositionOf({ all: true }), { from: 'all' });
    assert.deepEqual(startPositionOf({ sequence: '42' }), { from: 'sequence', sequence: 42 });
    assert.deepEqual(startPositionOf({ time: '2026-11-26T10:00:00Z' }), { from: 'time', time: new Date('2026-11-26T10:00:00Z') });
    assert.deepEqual(startPositionOf({ delta: '30s' }), { from: 'delta', ms: 30_000 });
    assert.deepEqual(startPositionOf({ delta: '500ms' }), { from: 'delta', ms: 500 });
    assert.deepEqual(startPositionOf({ delta: '1.5h' }), { from: 'delta', ms: 5_400_000 });
    assert.deepEqual(startPositionOf({ 'last-received': true }), { from: 'last_received' });
  });

  it('refuses bad values and more than one option with a usage error naming the problem', () => {
    const cases: Array<[Record<string, string | boolean>, RegExp]> = [
      [{ sequence: '0' }, /--sequence must be a whole number >= 1/],
      [{ sequence: 'ten' }, /--sequence/],
      [{ time: 'yesterday' }, /--time must be a date/],
      [{ delta: '30' }, /--delta must be a duration/],
      [{ delta: '-5s' }, /--delta/],
      [{ all: true, delta: '5s' }, /one start option, not --all and --delta/],
    ];
    for (const [values, message] of cases) {
      assert.throws(() => startPositionOf(values), (error: unknown) => error instanceof UsageError && message.test(error.message));
    }
  });
});
