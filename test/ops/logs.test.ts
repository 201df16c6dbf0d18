import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { startTestServer, type TestServer } from '../http/support.ts';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, destination: { isTTY, write: (line: string) => lines.push(line) } };
}

describe('log format', () => {
  it('writes readable lines to a terminal, still redacted', () => {
    const { lines, destination } = capture(true);
    const logger = createLogger({ name: 'eventstore', level: 'info', destination });
    logger.child({ role: 'worker' }).info({ queue: 'commands', token: 'hunter2' }, 'command worker started');
    logger.error({ err: new Error('boom') }, 'stop failed');
    const text = lines.join('').replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} INFO  eventstore\/worker: command worker started queue=commands token=\[redacted\]\n/);
    assert.match(text, /ERROR eventstore: stop failed\n {4}Error: boom\n {8}at /);
    assert.doesNotMatch(text, /hunter2|^\{/m);
  });

  it('writes JSON when the output is not a terminal, or when LOG_FORMAT=json', () => {
    for (const [isTTY, format] of [[false, undefined], [true, 'json']] as const) {
      const { lines, destination } = capture(isTTY);
      createLogger({ name: 'eventstore', level: 'info', destination, format }).info({ queue: 'commands' }, 'started');
      const entry = JSON.parse(lines.join(''));
      assert.equal(entry.msg, 'started');
      assert.equal(entry.queue, 'commands');
    }
  });

  it('refuses an unknown LOG_FORMAT, naming the setting', () => {
    assert.throws(() => createLogger({ name: 'x', format: 'yaml' }), (error: unknown) => error instanceof ConfigError && /LOG_FORMAT.*"yaml"/.test(error.message));
  });
});

describe('request logs', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server.close());

  it('logs requests and queued commands at debug, not info', async () => {
    await fetch(`${server.baseUrl}/healthz`);
    const sent = await fetch(`${server.baseUrl}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'CreateOrder', aggregateId: 'order-1', payload: { customerId: 'c', total: 1 } }),
    });
    assert.equal(sent.status, 202);
    const entries = server.logs().trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
    const about = (msg: string) => entries.filter((entry) => entry.msg === msg).map((entry) => entry.level);
    assert.deepEqual(about('incoming request'), [20, 20]);
    assert.deepEqual(about('request completed'), [20, 20]);
    assert.deepEqual(about('command queued'), [20]);
  });
});
