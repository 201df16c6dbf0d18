import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CommandGate, type QueuedAggregate } from '../../src/commands/gate/gate.ts';
import { call, REDIS_URL, startSystem, type TestSystem } from '../http/support.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * Issue 14 item 2: which aggregates wait, since when, what runs and where, which are halted; how
 * many workers consume the queue (/readyz, /status, /metrics).
 */
describe('per-aggregate visibility', { timeout: 90_000 }, () => {
  let system: TestSystem;
  let redis: Redis;
  let gate: CommandGate;
  let holder: Worker | undefined;
  let release: () => void = () => {};

  before(async () => {
    // The API alone: commands queue and nothing runs them until the test's own worker comes.
    system = await startSystem(['server']);
    redis = new Redis(REDIS_URL);
    gate = new CommandGate(redis, { prefix: system.env.REDIS_PREFIX!, queueName: system.env.QUEUE_NAME! });
  });
  after(async () => {
    release();
    await holder?.close(true);
    redis?.disconnect();
    await system?.close();
  });

  const api = (method: string, path: string, body?: unknown) => call(system.baseUrl, method, path, body === undefined ? {} : { body });
  const send = async (aggregateId: string, type: string, payload: unknown) => {
    const sent = await api('POST', '/commands', { type, aggregateId, payload });
    assert.equal(sent.status, 202);
    return sent.body.commandId as string;
  };
  async function allPages(limit: number): Promise<{ aggregates: Array<QueuedAggregate & { oldestQueuedAgeSeconds: number }>; halted: any[]; pages: number }> {
    const aggregates = [];
    let halted: any[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api('GET', `/operations/aggregates?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      aggregates.push(...page.body.aggregates);
      if (page.body.halted) halted = page.body.halted;
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    return { aggregates, halted, pages };
  }
  const metric = async (name: string) => {
    const text = (await api('GET', '/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  const heads: Record<string, string> = {};

  it('lists each aggregate with queued commands: how many, the oldest one\'s age, its head', async () => {
    for (const id of ['agg-a', 'agg-b']) {
      heads[id] = await send(id, 'CreateOrder', { customerId: 'c', total: 1 });
      await send(id, 'UpdateOrderStatus', { status: 'paid' });
    }
    await send('agg-a', 'UpdateOrderStatus', { status: 'shipped' });
    const { aggregates, halted } = await allPages(1);
    const byId = Object.fromEntries(aggregates.map((a) => [a.aggregateId, a]));
    assert.deepEqual(Object.keys(byId).sort(), ['agg-a', 'agg-b']);
    assert.equal(byId['agg-a']!.queuedCommands, 3);
    assert.equal(byId['agg-b']!.queuedCommands, 2);
    for (const id of ['agg-a', 'agg-b']) {
      const { head, oldestQueuedAgeSeconds } = byId[id]!;
      assert.equal(head.commandId, heads[id]);
      assert.equal(head.state, 'waiting', 'promoted, no worker has taken it');
      assert.equal(head.name, `CreateOrder ${id}`, 'the job name carries the aggregate (Bull Board shows it)');
      assert.equal(head.worker, undefined);
      assert.ok(oldestQueuedAgeSeconds >= 0 && oldestQueuedAgeSeconds < 60);
    }
    assert.deepEqual(halted, []);
  });

  it('says that no worker consumes the queue: /readyz warnings, /status, metrics', async () => {
    const ready = await api('GET', '/readyz');
    assert.equal(ready.status, 200, 'the API still takes commands');
    assert.match(ready.body.warnings.workers, /no worker consumes the command queue/);
    assert.equal((await api('GET', '/status')).body.workers, 0);
    assert.equal(await metric('eventstore_queue_workers'), 0);
    assert.equal(await metric('eventstore_aggregates_with_backlog'), 2);
    assert.ok((await metric('eventstore_oldest_queued_command_age_seconds'))! > 0);
  });

  it('shows the running command and its worker, and the worker count', async () => {
    const held = new Promise<void>((resolve) => (release = resolve));
    holder = new Worker(system.env.QUEUE_NAME!, () => held, {
      connection: { url: REDIS_URL }, prefix: system.env.REDIS_PREFIX!, name: 'holder-1', concurrency: 1,
    });
    let running: QueuedAggregate | undefined;
    await waitUntil(async () => {
      running = (await allPages(100)).aggregates.find((a) => a.head.state === 'running');
      return running !== undefined;
    }, 'a head to run');
    assert.equal(running!.head.worker, 'holder-1');
    assert.ok(running!.head.startedAt! >= running!.oldestQueuedAt!);
    await waitUntil(async () => (await api('GET', '/status')).body.workers >= 1, 'the worker to be counted');
    const ready = await api('GET', '/readyz');
    assert.equal(ready.body.warnings, undefined, 'no warning once a worker consumes the queue');
    // Metrics read a status cached for a second.
    await waitUntil(async () => (await metric('eventstore_queue_workers'))! >= 1, 'the metric to count the worker');
  });

  it('lists halted aggregates with the failure that halted them', async () => {
    const { aggregates } = await allPages(100);
    const idle = aggregates.find((a) => a.head.state !== 'running')!;
    await gate.advance(idle.aggregateId, idle.head.commandId, { halt: { reason: 'payment service refused: boom' } });
    const after = await allPages(100);
    const entry = after.aggregates.find((a) => a.aggregateId === idle.aggregateId)!;
    assert.equal(entry.halted?.reason, 'payment service refused: boom');
    assert.equal(entry.queuedCommands, idle.queuedCommands - 1);
    assert.deepEqual(after.halted.map((h) => [h.aggregateId, h.commandId, h.reason]), [[idle.aggregateId, idle.head.commandId, 'payment service refused: boom']]);
    await waitUntil(async () => (await metric('eventstore_halted_aggregates')) === 1, 'the metric to count the halted aggregate');
  });

  it('eventstore status --aggregates prints them', async () => {
    const env = { ...process.env, EVENTSTORE_URL: undefined, API_TOKEN: undefined, API_AUTH: undefined };
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/eventstore.mjs', 'status', '--aggregates', '--url', system.baseUrl], { env });
    assert.match(stdout, /^agg-a\t3\t[\d.]+s\tCreateOrder /m);
    assert.match(stdout, /\trunning\tholder-1$|\trunning \(halted\)\tholder-1$/m);
    assert.match(stdout, /^halted: agg-[ab] since .* by command .*: payment service refused: boom$/m);
  });

  it('refuses a malformed cursor and a limit out of range, naming them', async () => {
    assert.match((await api('GET', '/operations/aggregates?cursor=abc')).body.message, /cursor/);
    assert.match((await api('GET', '/operations/aggregates?limit=0')).body.message, /limit/);
  });
});
