import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createEventBus } from '../../src/bus/connect.ts';
import { loadConfig } from '../../src/config/env.ts';
import { deleteKeys } from '../commands/support/harness.ts';
import { APP_ROLE, createTestDatabase, uniqueName, type TestDatabase } from '../support/database.ts';
import { freePort } from '../http/support.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * The package as a team gets it: `npm pack`, installed into a new project outside the repository
 * (no tsx, no src/), scaffolded with the installed `eventstore init` (its own aggregate, Ticket,
 * and a projection with its own table), then migrated, started and used on a deployment of its
 * own: commands over HTTP and through `nats-eventstore/client`, its projection read back, its
 * commands in the OpenAPI document, and `eventstore verify` green.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'packed-test-token';

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The environment without anything that would point a child at this checkout or load tsx. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key, value]) => value !== undefined && !/^(NODE_OPTIONS|NODE_TEST_CONTEXT|EVENTSTORE_CONFIG|TSX_.*)$/.test(key))) as Record<string, string>;
  return { ...env, ...extra };
}

describe('the packed package, installed into a project outside the repository', () => {
  let work: string;
  let project: string;
  let db: TestDatabase;
  let env: Record<string, string>;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let baseUrl: string;
  const eventstore = (...args: string[]) => run(process.execPath, [join(project, 'node_modules/nats-eventstore/bin/eventstore.mjs'), ...args], { cwd: project, env });
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'eventstore-packed-'));
    const packed = await run('npm', ['pack', '--pack-destination', work], { cwd: ROOT });
    assert.equal(packed.code, 0, packed.output);
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'))!;
    project = join(work, 'ticket-service');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'ticket-service', private: true, type: 'module' }));
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], { cwd: project });
    assert.equal(installed.code, 0, installed.output);

    db = await createTestDatabase({ migrate: false });
    const app = new URL(db.url);
    app.username = APP_ROLE;
    const prefix = uniqueName('packed');
    env = cleanEnv({
      DATABASE_URL: app.toString(),
      MIGRATION_DATABASE_URL: db.url,
      REDIS_PREFIX: prefix,
      QUEUE_NAME: uniqueName('commands'),
      NATS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      API_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
    });
    baseUrl = `http://127.0.0.1:${env.PORT}`;
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    if (env) {
      const config = loadConfig(env);
      const redis = new Redis(config.redisUrl);
      await deleteKeys(redis, config.redisPrefix);
      redis.disconnect();
      const bus = await createEventBus(config, { clientName: 'packed-test-cleanup' });
      await bus.destroyChannels();
      await bus.close();
    }
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('installs without tsx and without the sources, and scaffolds a service whose decider test passes', async () => {
    assert.ok(!existsSync(join(project, 'node_modules/tsx')), 'tsx is not installed with the package');
    assert.ok(!existsSync(join(project, 'node_modules/nats-eventstore/src')), 'the package ships no TypeScript sources');
    const init = await eventstore('init', '.', '--force');
    assert.equal(init.code, 0, init.output);
    assert.ok(existsSync(join(project, 'eventstore.config.js')));
    const test = await run(process.execPath, ['--test'], { cwd: project, env });
    assert.equal(test.code, 0, test.output);
    assert.match(test.output, /# pass 3/);
  });

  it('migrates the store and the projection\'s own table', async () => {
    const migrated = await eventstore('migrate');
    assert.equal(migrated.code, 0, migrated.output);
    assert.match(migrated.output, /projection tickets: 001_tickets_view/);
  });

  it('starts, takes commands over HTTP and through nats-eventstore/client, and serves its projection and OpenAPI document', async () => {
    server = spawn(process.execPath, [join(project, 'node_modules/nats-eventstore/bin/eventstore.mjs'), 'start'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk) => (serverOutput += chunk));
    server.stderr!.on('data', (chunk) => (serverOutput += chunk));
    await waitUntil(async () => serverOutput.includes('eventstore is running') || server!.exitCode !== null, 'the service started', 60_000);
    assert.equal(server.exitCode, null, serverOutput);

    const opened = await api('POST', '/commands', { type: 'OpenTicket', aggregateId: 'ticket-1', payload: { title: 'Printer on fire' }, wait: 20_000 });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.equal(opened.body.status, 'accepted');

    await writeFile(join(project, 'send.mjs'), [
      "import { connectCommandClient } from 'nats-eventstore/client';",
      "import config from './eventstore.config.js';",
      'const { client, close } = connectCommandClient({ aggregates: config.aggregates });',
      "const outcome = await client.sendAndWait({ type: 'CloseTicket', aggregateId: 'ticket-1', payload: { resolution: 'extinguished' } }, { timeoutMs: 20000 });",
      'console.log(JSON.stringify(outcome));',
      'await close();',
    ].join('\n'));
    const sent = await run(process.execPath, ['send.mjs'], { cwd: project, env });
    assert.equal(sent.code, 0, sent.output);
    assert.equal(JSON.parse(sent.output.trim().split('\n').at(-1)!).version, 2);

    await waitUntil(async () => (await api('GET', '/projections/tickets/ticket-1')).body.status === 'closed', 'the projection has the closed ticket', 30_000);
    assert.deepEqual((await api('GET', '/projections/tickets/ticket-1')).body, { ticketId: 'ticket-1', title: 'Printer on fire', status: 'closed', resolution: 'extinguished', version: 2 });

    const openapi = await api('GET', '/docs/json');
    assert.deepEqual(openapi.body.components.schemas.CommandType.enum, ['OpenTicket', 'CloseTicket']);
  });

  it('passes eventstore verify', async () => {
    const verified = await eventstore('verify');
    assert.equal(verified.code, 0, verified.output);
    assert.match(verified.output, /projection tickets: .* against a rebuild/);
  });
});
