import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WrongLastSequenceError } from '../../src/bus/errors.ts';
import { after, before, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeEvent, encodeEvent } from '../../src/envelope/codec.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { Relay, relayStatus } from '../../src/bus/relay.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import type { TestDatabase } from '../support/database.ts';
import { commitOrder, commitPositionAt } from '../support/commit-order.ts';
import { jsonEvent } from '../support/events.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders, closeDatabaseAndBus, openDatabaseAndBus, type TestBus } from './helpers.ts';

let db: TestDatabase;
let bus: TestBus;

before(async () => {
  ({ db, bus } = await openDatabaseAndBus());
});
after(async () => {
  await closeDatabaseAndBus(db, bus);
});

async function readLog(): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  await bus.readHistory(bus.subjects.events, { from: 'all' }, async (messages) => {
    for (const m of messages) events.push(decodeEvent(m.data));
  });
  return events;
}

/** How many events the log holds (its last sequence). */
async function published(): Promise<number> {
  return (await bus.lastMessage(bus.subjects.events))?.sequence ?? 0;
}

async function stored(): Promise<number> {
  return Number((await db.pool.query('SELECT count(*) FROM events')).rows[0].count);
}

/** Writes orders in rounds until stop() is called; resolves to the number of events written. */
function writeUntilStopped(): { stop(): Promise<number> } {
  let stopping = false;
  const running = (async () => {
    let written = 0;
    while (!stopping) written += await writeOrders(db.pool, { orders: 30, updates: 3, writers: 6 });
    return written;
  })();
  return {
    stop() {
      stopping = true;
      return running;
    },
  };
}

test('the relay publishes every committed event once, in commit order, while writers run; two relays: one active', async (t) => {
  const first = new Relay({ pool: db.pool, bus, maxIdleMs: 20 });
  const second = new Relay({ pool: db.pool, bus, maxIdleMs: 20, standbyRetryMs: 100 });
  await first.start();
  await second.start();
  const writing = writeOrders(db.pool, { orders: 300, updates: 2, writers: 6 });
  t.after(async () => {
    await writing.catch(() => {});
    await Promise.allSettled([first.stop(), second.stop()]); // also when an assertion failed first
  });
  await waitUntil(() => first.isActive || second.isActive, 'a relay becomes active');
  // Kill the active one mid-stream, once it has published and committed events are still waiting
  // for it; the standby takes over from the end of the stream.
  await waitUntil(async () => {
    const log = await published();
    return log >= 100 && (await stored()) > log;
  }, 'the active relay published 100 events with more committed behind them', 60_000);
  const [active, standby] = first.isActive ? [first, second] : [second, first];
  assert.equal(standby.isActive, false, 'only one relay is active');
  await active.stop();
  const written = await writing;
  await waitUntil(async () => (await relayStatus(db.pool, bus.subjects.prefix)).lagEvents === 0, 'relay caught up', 60_000);
  await standby.stop();

  const expected = await commitOrder(db.pool);
  const log = await readLog();
  assert.equal(expected.length, written);
  assert.deepEqual(log.map((e) => e.eventId), expected, 'the log is the store in commit order, no gap, no duplicate');
  const status = await relayStatus(db.pool, bus.subjects.prefix);
  assert.deepEqual(status.position, await commitPositionAt(db.pool, expected.length));
  assert.equal(status.lagSeconds, 0);
});

const RELAY_WORKER = fileURLToPath(new URL('../../workers/relay.ts', import.meta.url));

test('a relay process SIGKILLed mid-stream, again and again, loses nothing and reorders nothing', async (t) => {
  const before = await stored();
  const writing = writeUntilStopped();
  const env = { ...process.env, DATABASE_URL: db.url, NATS_PREFIX: bus.subjects.prefix, EVENT_BUS: 'jetstream', LOG_LEVEL: 'fatal' };
  const children = new Set<ChildProcess>();
  const startRelay = () => {
    const child = fork(RELAY_WORKER, [], { execArgv: ['--import', 'tsx'], env, stdio: 'ignore' });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  t.after(async () => {
    await writing.stop().catch(() => 0); // also when an assertion failed first
    for (const child of children) child.kill('SIGKILL');
  });
  for (let round = 0; round < 4; round++) {
    // Each kill comes after the process has published 50 events of its own while writers run.
    const from = await published();
    const child = startRelay();
    await waitUntil(async () => (await published()) >= from + 50, `relay process ${round + 1} published 50 events`, 60_000);
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  const written = await writing.stop();
  // The last one stops gracefully on SIGTERM, with exit code 0.
  const last = startRelay();
  await waitUntil(async () => (await relayStatus(db.pool, bus.subjects.prefix)).lagEvents === 0, 'relay caught up', 120_000);
  await waitUntil(async () => (await readLog()).length === before + written, 'the log holds every event', 30_000);
  last.kill('SIGTERM');
  const [code] = await once(last, 'exit');
  assert.equal(code, 0);
  assert.deepEqual((await readLog()).map((e) => e.eventId), await commitOrder(db.pool));
});

test('fencing: a publish that does not follow the stream sequence it expects is refused and not stored', async () => {
  const end = (await bus.lastMessage(bus.subjects.events))!.sequence;
  const message = { data: Buffer.from('stale'), msgId: 'stale-relay-1' };
  await assert.rejects(bus.publishBatch(bus.subjects.events, [message], { expectedLastSequence: end - 1 }), WrongLastSequenceError);
  assert.equal((await bus.lastMessage(bus.subjects.events))!.sequence, end);
});

test('fencing: a relay that missed a newer publisher\'s messages is refused and resumes from the end, even past the dedupe window', async (t) => {
  const relay = new Relay({ pool: db.pool, bus, maxIdleMs: 20 });
  await relay.start();
  t.after(() => relay.stop());
  await writeOrders(db.pool, { orders: 5, updates: 0, writers: 1, tag: 'fence-a' });
  await waitUntil(async () => (await published()) === (await stored()), 'the relay published the first events');

  // A dedupe window this short lets a re-published event id through: only fencing stops it then.
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const stream = await jsm.streams.find(bus.subjects.events);
  await jsm.streams.update(stream, { ...(await jsm.streams.info(stream)).config, duplicate_window: 200 * 1e6 });

  // The relay cannot see the next events (an open transaction holds every commit-order reader
  // back), while "a newer relay" publishes them after the stream's end, as a relay would.
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  t.after(() => blocker.end());
  await blocker.query('BEGIN');
  await blocker.query('SELECT pg_current_xact_id()');
  await writeOrders(db.pool, { orders: 5, updates: 0, writers: 1, tag: 'fence-b' });
  const store = new EventStore(db.pool);
  const newer = (await Promise.all(Array.from({ length: 5 }, (_, i) => store.readStream(`fence-b-${i}`)))).flat();
  await bus.publishBatch(bus.subjects.events, newer.map((e) => ({ data: encodeEvent(e), msgId: e.eventId })), { expectedLastSequence: await published() });
  await sleep(400); // set-up, not a proof: the dedupe window of those ids passes
  await blocker.query('COMMIT');

  // The marker: an event written after; once it is in the log, the relay has dealt with the others.
  const [marker] = (await store.append('fence-marker', [jsonEvent('OrderCreated', {})], { aggregateType: 'Order' })).events;
  await waitUntil(async () => (await readLog()).some((e) => e.eventId === marker!.eventId), 'the marker reached the log', 60_000);
  assert.deepEqual((await readLog()).map((e) => e.eventId), await commitOrder(db.pool), 'each event once: the stale relay\'s publish was refused');
});
