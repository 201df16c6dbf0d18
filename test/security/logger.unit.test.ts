import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { logConnectionErrors, serializeError } from '../../src/logger.ts';

describe('logged errors carry no secret', () => {
  it('drops the args of the command an ioredis error carries, and masks passwords in URLs', () => {
    const refused = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['s3cret-1'] } });
    const wrapped = new Error('could not reach redis://app:s3cret-2@redis:6379/0', { cause: refused });
    const shown = JSON.stringify(serializeError(wrapped)) + JSON.stringify(serializeError(refused));
    assert.doesNotMatch(shown, /s3cret/);
    assert.match(shown, /"command":\{"name":"auth","args":"\[redacted\]"\}/);
    assert.match(shown, /redis:\/\/app:\[redacted\]@redis:6379/);
  });

  it('logs a connection error once, then the same one at most every 30 s with how often it came', (t) => {
    t.mock.timers.enable({ apis: ['Date'] });
    const entries: Array<{ msg: string; repeatedSinceLastLog?: number; err: { message: string } }> = [];
    const log = logConnectionErrors(pino({}, { write: (line: string) => void entries.push(JSON.parse(line)) }), 'redis (test)');
    for (let i = 0; i < 5; i++) log(new Error('ECONNREFUSED'));
    log(new Error('WRONGPASS'));
    t.mock.timers.tick(30_000);
    log(new Error('ECONNREFUSED'));
    assert.deepEqual(entries.map((e) => [e.msg, e.err.message, e.repeatedSinceLastLog]), [
      ['redis (test) connection error', 'ECONNREFUSED', undefined],
      ['redis (test) connection error', 'WRONGPASS', undefined],
      ['redis (test) connection error', 'ECONNREFUSED', 4],
    ]);
  });
});
