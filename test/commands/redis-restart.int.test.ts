import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { waitUntil } from '../support/wait.ts';
import { createHarness, type Harness } from './support/harness.ts';

/** A Redis of this test's own (the shared one is never restarted), persisting every write. */
class OwnRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number, private readonly dir: string) {}

  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    const probe = new Redis(this.port, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    await waitUntil(async () => probe.connect().then(() => true, () => false), 'own redis-server up', 10_000);
    probe.disconnect();
  }

  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe('Redis restarting under a running worker', () => {
  let redis: OwnRedis;
  let dir: string;
  let h: Harness;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'es-redis-'));
    redis = new OwnRedis(await freePort(), dir);
    await redis.start();
    h = await createHarness({ redisUrl: `redis://127.0.0.1:${redis.port}` });
  });
  after(async () => {
    await redis.start(); // close() needs Redis to be there, even after a failed test
    await h.close();
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing, applies nothing twice and keeps each aggregate in order when Redis is killed and comes back', async () => {
    h.redis.on('error', () => {});
    const worker = await h.startWorker({ concurrency: 10 });
    worker.on('error', () => {});
    const aggregates = Array.from({ length: 20 }, (_, i) => `order-${i}`);
    const commands = [
      ...aggregates.map((id) => ({ commandId: `create-${id}`, type: 'CreateOrder', aggregateId: id, payload: { customerId: 'c', total: 1 } })),
      ...Array.from({ length: 15 }, (_, round) => aggregates.map((id) => ({ commandId: `s${round}-${id}`, type: 'UpdateOrderStatus', aggregateId: id, payload: { status: 'paid' } }))).flat(),
    ];
    await h.client.sendMany(commands);
    const processed = async () => Number((await h.db.pool.query('SELECT count(*) FROM processed_commands')).rows[0].count);
    await waitUntil(async () => (await processed()) >= 20, 'under way');

    await redis.kill();
    await sleep(1_500);
    await redis.start();

    await waitUntil(async () => (await processed()) === commands.length, 'every command processed after Redis came back', 90_000);
    const { rows } = await h.db.pool.query(`SELECT aggregate_id, command_id, status FROM processed_commands ORDER BY aggregate_id, version`);
    assert.ok(rows.every((r) => r.status === 'accepted'));
    for (const id of aggregates) {
      const order = rows.filter((r) => r.aggregate_id === id).map((r) => r.command_id);
      assert.deepEqual(order, [`create-${id}`, ...Array.from({ length: 15 }, (_, round) => `s${round}-${id}`)], `${id} in send order`);
    }
    const events = await h.db.pool.query(`SELECT count(*)::int AS n FROM events`);
    assert.equal(events.rows[0].n, commands.length);
    await waitUntil(async () => (await h.client.backlogSize()) === 0, 'gates drained', 30_000);
  });
});
