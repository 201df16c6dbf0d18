import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROLES } from '../../src/runtime/roles.ts';
import { waitUntil } from '../support/wait.ts';
import { call, freePort, startSystem, type TestSystem } from '../http/support.ts';

const BIN = join(import.meta.dirname, '../../bin/eventstore.mjs');
const TOKEN = 'cli-test-token';
const SUBCOMMANDS = ['migrate', 'start', 'serve', 'worker', 'relay', 'dispatcher', 'projector', 'send', 'events', 'status', 'resume', 'replay', 'rebuild'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function eventstore(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('eventstore CLI', () => {
  let system: TestSystem;
  let env: Record<string, string>;

  before(async () => {
    system = await startSystem(ROLES, { API_TOKEN: TOKEN });
    env = { ...system.env, EVENTSTORE_URL: system.baseUrl };
  });
  after(() => system.close());

  it('has --help on every subcommand, and says how to use it when it is used wrong', async () => {
    const overview = await eventstore(['--help']);
    assert.equal(overview.code, 0);
    for (const name of SUBCOMMANDS) assert.match(overview.stdout, new RegExp(`^  ${name} `, 'm'), name);
    const helps = await Promise.all(SUBCOMMANDS.map((name) => eventstore([name, '--help'])));
    helps.forEach((help, i) => {
      assert.equal(help.code, 0, SUBCOMMANDS[i]);
      assert.match(help.stdout, new RegExp(`^eventstore ${SUBCOMMANDS[i]}`), SUBCOMMANDS[i]);
    });
    const unknown = await eventstore(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const missing = await eventstore(['events'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing <aggregateId>/);
    const twoStarts = await eventstore(['replay', 'orders', '--all', '--sequence', '3'], env);
    assert.equal(twoStarts.code, 2);
    assert.match(twoStarts.stderr, /one start option/);
  });

  it('sends commands, prints a stream and the status, using the token', async () => {
    const orderId = `order-${randomUUID()}`;
    const created = await eventstore(['send', 'CreateOrder', orderId, '{"customerId":"c-cli","total":5}', '--wait'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).status, 'accepted');
    const queued = await eventstore(['send', 'CancelOrder', orderId, '{"reason":"changed my mind"}'], env);
    assert.equal(queued.code, 0, queued.stderr);
    assert.equal(JSON.parse(queued.stdout).status, 'queued');
    await waitUntil(async () => (await call(system.baseUrl, 'GET', `/aggregates/${orderId}`, { headers: { authorization: `Bearer ${TOKEN}` } })).body.version === 2, 'cancelled');
    const rejected = await eventstore(['send', 'UpdateOrderStatus', orderId, '{"status":"paid"}', '--wait'], env);
    assert.equal(rejected.code, 1);
    assert.equal(JSON.parse(rejected.stdout).code, 'domain');
    const reusedId = await eventstore(['send', 'CreateOrder', `order-${randomUUID()}`, '{"customerId":"c-cli","total":5}', '--id', JSON.parse(created.stdout).commandId], env);
    assert.equal(reusedId.code, 1, 'a command id reused for another command is refused, and send says so in its exit code');
    assert.equal(JSON.parse(reusedId.stdout).error, 'command_id_reused');

    const events = await eventstore(['events', orderId], env);
    assert.equal(events.code, 0, events.stderr);
    const lines = events.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^v1\tOrderCreated\tposition \d+\t.*"customerId":"c-cli"/);
    assert.match(lines[1]!, /^v2\tOrderCanceled\t/);

    const status = await eventstore(['status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^queue: .*completed \d+/m);
    assert.match(status.stdout, /^relay: /m);
    assert.match(status.stdout, /^subscription: +orders: /m);

    const wrongToken = await eventstore(['status'], { ...env, API_TOKEN: 'wrong' });
    assert.equal(wrongToken.code, 1);
    assert.match(wrongToken.stderr, /401 unauthorized/);
  });

  it('replays from a start position and rebuilds a projection, showing progress', async () => {
    const orderId = `order-${randomUUID()}`;
    await eventstore(['send', 'CreateOrder', orderId, '{"customerId":"c-replay","total":8}', '--wait'], env);
    await waitUntil(async () => (await call(system.baseUrl, 'GET', '/status', { headers: { authorization: `Bearer ${TOKEN}` } })).body.subscriptions[0].lagEvents === 0, 'projection caught up');

    for (const start of [['--all'], ['--sequence', '1'], ['--time', new Date(Date.now() - 3_600_000).toISOString()], ['--delta', '1h'], ['--last-received']]) {
      const replay = await eventstore(['replay', 'orders', ...start], env);
      assert.equal(replay.code, 0, `${start.join(' ')}: ${replay.stderr}`);
      // Everything was applied already: a replay reads the log and changes nothing (exactly once in effect).
      assert.match(replay.stderr, /replay orders: [1-9]\d* read, 0 applied, 0 refused as invalid/, start.join(' '));
    }
    const busy = await eventstore(['rebuild', 'orders'], env);
    assert.equal(busy.code, 1, 'a rebuild refuses to run under a live projector');
    assert.match(busy.stderr, /in use by a running projector/);
    await system.running.roles.find((role) => role.name === 'projector-orders')!.stop();
    const rebuild = await eventstore(['rebuild', 'orders'], env);
    assert.equal(rebuild.code, 0, rebuild.stderr);
    assert.match(rebuild.stderr, /rebuild orders from store: [1-9]\d* applied, 0 skipped/);
    const order = await call(system.baseUrl, 'GET', `/projections/orders/${orderId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(order.body.customerId, 'c-replay');
  });

  it('runs a role as its own process with its metrics, and stops it gracefully on SIGTERM (exit 0)', async () => {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, [BIN, 'relay'], {
      env: { ...process.env, ...env, METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitUntil(() => output.includes('"msg":"started"'), `the relay role starts: ${output}`, 30_000);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /eventstore_process_cpu_seconds_total/);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 401);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
  });
});
