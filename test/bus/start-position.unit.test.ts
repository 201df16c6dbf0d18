import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidBusNameError, validateBusName } from '../../src/bus/errors.ts';
import { InvalidStartPositionError, validateStartPosition, type StartPosition } from '../../src/bus/start-position.ts';

test('start positions: the five kinds pass, anything else is refused with the reason', () => {
  for (const position of [
    { from: 'all' }, { from: 'last_received' }, { from: 'sequence', sequence: 1 }, { from: 'time', time: new Date() }, { from: 'delta', ms: 30_000 },
  ] as StartPosition[]) {
    assert.equal(validateStartPosition(position), position);
  }
  for (const bad of [
    { from: 'sequence', sequence: 0 }, { from: 'sequence', sequence: 1.5 }, { from: 'time', time: new Date('nope') },
    { from: 'delta', ms: -1 }, { from: 'first' }, undefined,
  ]) {
    assert.throws(() => validateStartPosition(bad as unknown as StartPosition), InvalidStartPositionError, JSON.stringify(bad));
  }
});

test('durable, queue and client names: letters, digits, - and _ only (no dots, colons, wildcards)', () => {
  assert.equal(validateBusName('durable name', 'projection-orders_1'), 'projection-orders_1');
  for (const bad of ['', 'a.b', 'a:b', 'a*', 'a>', 'a b', 'x'.repeat(129)]) {
    assert.throws(() => validateBusName('durable name', bad), InvalidBusNameError, bad);
  }
});
