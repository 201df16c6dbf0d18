import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CommandClient } from '../../src/commands/gate/command-client.ts';
import { loadConfig } from '../../src/config/env.ts';
import { exampleDomain } from '../../examples/orders/domain/index.ts';
import { EventStoreError, InvalidInputError } from '../../src/errors.ts';
import { createPool } from '../../src/store/pool.ts';
import { call, startSystem, type TestSystem } from '../http/support.ts';
import { fuzzCases, LUA_INJECTIONS, SQL_INJECTIONS, type FuzzCase } from './fuzz/cases.ts';
import { Random } from './fuzz/random.ts';

/**
 * Bad input, at volume: malformed commands through the command client and the HTTP API. Each must
 * be refused (a typed error from the client; a 4xx with a readable reason from the API, never a 5xx
 * or a leak), nothing may reach the store or the queue, and the service keeps serving throughout.
 * FUZZ_SEED reproduces a run; FUZZ_CASES sets how many cases per surface.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const CASES = Number(process.env.FUZZ_CASES ?? 600);
const TOKEN = 'fuzz-token-0123456789abcdef';

describe(`fuzz: malformed commands (seed ${SEED}, ${CASES} per surface)`, () => {
  let system: TestSystem;
  let client: CommandClient;
  let queue: Queue;
  let redis: Redis;
  let app: ReturnType<typeof createPool>;
  const cases = fuzzCases(new Random(SEED), CASES);
  const auth = { authorization: `Bearer ${TOKEN}` };
  let probes = 0;

  before(async () => {
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} reproduces this run)`);
    // The services connect as the application role, as in production.
    system = await startSystem(['server', 'worker'], { API_TOKEN: TOKEN });
    const config = loadConfig(system.env);
    app = createPool(system.db.appUrl, { max: 2 });
    client = new CommandClient({ redisUrl: config.redisUrl, queueName: config.queueName, prefix: config.redisPrefix, registry: exampleDomain, pool: app, maxCommandBytes: config.maxCommandBytes });
    queue = new Queue(config.queueName, { connection: { url: config.redisUrl }, prefix: config.redisPrefix });
    redis = new Redis(config.redisUrl);
    await redis.set(`${config.redisPrefix}:fuzz-sentinel`, 'still here');
  });
  after(async () => {
    await client?.close();
    await queue?.close();
    redis?.disconnect();
    await app?.end();
    await system?.close();
  });

  /** A valid command through the API, waiting for its outcome: the service still serves. */
  async function probe(): Promise<void> {
    probes++;
    const response = await call(system.baseUrl, 'POST', '/commands', {
      headers: auth,
      body: { type: 'CreateOrder', aggregateId: `probe-${probes}`, payload: { customerId: 'c', total: 1 }, wait: 30_000 },
    });
    assert.equal(response.status, 200, `the service stopped serving after malformed input: ${JSON.stringify(response.body)}`);
  }

  async function state() {
    const count = async (table: string) => Number((await system.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const jobs = await queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
    return { events: await count('events'), streams: await count('streams'), commands: await count('processed_commands'), jobs, backlog: await client.backlogSize() };
  }

  it('the service serves before the fuzz', async () => {
    await probe();
  });

  it(`the client refuses every malformed command with a typed error, queueing nothing`, async () => {
    const before = await state();
    const accepted: string[] = [];
    const untyped: string[] = [];
    const kinds = new Map<string, number>();
    for (const fuzz of cases.client) {
      kinds.set(fuzz.kind, (kinds.get(fuzz.kind) ?? 0) + 1);
      try {
        await client.send(fuzz.command as never);
        accepted.push(show(fuzz));
      } catch (error) {
        if (!(error instanceof InvalidInputError)) untyped.push(`${show(fuzz)} -> ${(error as Error)?.name}: ${(error as Error)?.message}`);
      }
    }
    // One bad command refuses a whole batch.
    await assert.rejects(client.sendMany([{ type: 'CreateOrder', aggregateId: 'batch-ok', payload: { customerId: 'c', total: 1 } }, cases.client[0]!.command as never]), EventStoreError);
    console.log(`client: ${cases.client.length} malformed commands by kind: ${JSON.stringify(Object.fromEntries(kinds))}`);
    assert.deepEqual(accepted, [], 'accepted by the client');
    assert.deepEqual(untyped, [], 'refused without a typed error');
    assert.deepEqual(await state(), before, 'the store or the queue changed');
  });

  it('the API refuses every malformed command with a 4xx and a readable reason, and keeps serving', async () => {
    const before = await state();
    const wrong: string[] = [];
    const statuses = new Map<number, number>();
    const kinds = new Map<string, number>();
    for (const [i, fuzz] of cases.http.entries()) {
      kinds.set(fuzz.kind, (kinds.get(fuzz.kind) ?? 0) + 1);
      const response = await fetch(`${system.baseUrl}/commands`, {
        method: 'POST',
        headers: { ...auth, 'content-type': fuzz.raw?.contentType ?? 'application/json' },
        body: fuzz.raw?.body ?? JSON.stringify(fuzz.command),
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status < 400 || response.status >= 500) wrong.push(`${response.status} for ${show(fuzz)}: ${text.slice(0, 200)}`);
      else if (!/"message":"[^"]{5,}/.test(text)) wrong.push(`${response.status} without a reason for ${show(fuzz)}: ${text.slice(0, 200)}`);
      if (/\n\s+at |postgres(ql)?:\/\/|redis:\/\/|fuzz-token/.test(text)) wrong.push(`leak in the answer to ${show(fuzz)}: ${text.slice(0, 300)}`);
      if (i % 100 === 99) await probe();
    }
    console.log(`API: ${cases.http.length} malformed commands by kind: ${JSON.stringify(Object.fromEntries(kinds))}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.deepEqual(wrong, []);
    const after = await state();
    // Only the probes went through: one event, stream, outcome and completed job each.
    const probed = Math.floor(cases.http.length / 100);
    assert.deepEqual(after, {
      ...before,
      events: before.events + probed,
      streams: before.streams + probed,
      commands: before.commands + probed,
      jobs: { ...before.jobs, completed: (before.jobs.completed ?? 0) + probed },
    });
  });

  it('stores injection strings used as aggregate ids verbatim, as data: no table, key or row is touched', async () => {
    const ids = [...SQL_INJECTIONS, ...LUA_INJECTIONS].filter((id) => !/[\u0000-\u001f]/.test(id));
    for (const aggregateId of ids) {
      const outcome = await client.sendAndWait({ type: 'CreateOrder', aggregateId, payload: { customerId: aggregateId, total: 1 } }, { timeoutMs: 30_000 });
      assert.equal(outcome.status, 'accepted', aggregateId);
    }
    const { rows } = await system.db.pool.query(`SELECT aggregate_id FROM events WHERE aggregate_id = ANY($1)`, [ids]);
    assert.deepEqual(rows.map((r) => r.aggregate_id).sort(), [...ids].sort());
    assert.equal(await redis.get(`${loadConfig(system.env).redisPrefix}:fuzz-sentinel`), 'still here');
    await probe();
  });
});

function show(fuzz: FuzzCase): string {
  const shown = fuzz.raw ? `${fuzz.raw.contentType} ${fuzz.raw.body.subarray(0, 80).toString('hex')}` : JSON.stringify(fuzz.command)?.slice(0, 160);
  return `[${fuzz.kind}] ${shown}`;
}
