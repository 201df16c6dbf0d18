import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WrongLastSequenceError } from '../../src/bus/errors.ts';
import { after, before, describe, test } from 'node:test';
import { decodeEvent } from '../../src/envelope/codec.ts';
import { Relay, relayStatus } from '../../src/bus/relay.ts';
import { EventStore } from '../../src/store/event-store.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import type { TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';
import { writeOrders, closeDatabaseAndBus, openDatabaseAndBus, type TestBus } from './helpers.ts';
import { transports } from './stan-server.ts';

const RELAY_WORKER = fileURLToPath(new URL('../../workers/relay.ts', import.meta.url));

for (const transport of transports('the relay tests')) {
  describe(`relay on ${transport}`, () => {
    let db: TestDatabase;
    let bus: TestBus;

    before(async () => {
      ({ db, bus } = await openDatabaseAndBus({ transport }));
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

    async function storeInCommitOrder(): Promise<RecordedEvent[]> {
      return new EventStore(db.pool).readAll({ limit: 1_000_000 });
    }

    test('the relay publishes every committed event once, in commit order, while writers run; two relays: one active', async () => {
      const first = new Relay({ pool: db.pool, bus, maxIdleMs: 20 });
      const second = new Relay({ pool: db.pool, bus, maxIdleMs: 20, standbyRetryMs: 100 });
      await first.start();
      await second.start();
      const writing = writeOrders(db.pool, { orders: 300, updates: 2, writers: 6 });
      await waitUntil(() => first.isActive || second.isActive, 'a relay becomes active');
      // Kill the active one mid-stream; the standby takes over from the end of the stream.
      await new Promise((r) => setTimeout(r, 200));
      const [active, standby] = first.isActive ? [first, second] : [second, first];
      assert.equal(standby.isActive, false, 'only one relay is active');
      await active.stop();
      const written = await writing;
      await waitUntil(async () => (await relayStatus(db.pool, bus.subjects.prefix)).lagEvents === 0, 'relay caught up', 60_000);
      await standby.stop();

      const expected = await storeInCommitOrder();
      const log = await readLog();
      assert.equal(expected.length, written);
      assert.deepEqual(log.map((e) => e.eventId), expected.map((e) => e.eventId), 'the log is the store in commit order, no gap, no duplicate');
      const status = await relayStatus(db.pool, bus.subjects.prefix);
      assert.deepEqual(status.position, { transactionId: expected.at(-1)!.transactionId, globalPosition: expected.at(-1)!.globalPosition });
      assert.equal(status.lagSeconds, 0);
    });

    test('a relay process SIGKILLed at random points, again and again, loses nothing and reorders nothing', async () => {
      const before = (await storeInCommitOrder()).length;
      const writing = writeOrders(db.pool, { orders: 300, updates: 3, writers: 6 });
      const env = { ...process.env, DATABASE_URL: db.url, NATS_PREFIX: bus.subjects.prefix, EVENT_BUS: transport, LOG_LEVEL: 'fatal' };
      for (let round = 0; round < 4; round++) {
        const child = fork(RELAY_WORKER, [], { execArgv: ['--import', 'tsx'], env, stdio: 'ignore' });
        await sleep(800 + Math.floor(Math.random() * 1200));
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      const written = await writing;
      // The last one stops gracefully on SIGTERM, with exit code 0.
      const last = fork(RELAY_WORKER, [], { execArgv: ['--import', 'tsx'], env, stdio: 'ignore' });
      await waitUntil(async () => (await relayStatus(db.pool, bus.subjects.prefix)).lagEvents === 0, 'relay caught up', 120_000);
      await waitUntil(async () => (await readLog()).length === before + written, 'the log holds every event', 30_000);
      last.kill('SIGTERM');
      const [code] = await once(last, 'exit');
      assert.equal(code, 0);
      assert.deepEqual((await readLog()).map((e) => e.eventId), (await storeInCommitOrder()).map((e) => e.eventId));
    });

    // NATS Streaming has no conditional publish: fencing is JetStream's.
    if (transport === 'jetstream') {
      test('fencing: a publish that does not follow the stream sequence it expects is refused and not stored', async () => {
        const end = (await bus.lastMessage(bus.subjects.events))!.sequence;
        const message = { data: Buffer.from('stale'), msgId: 'stale-relay-1' };
        await assert.rejects(bus.publishBatch(bus.subjects.events, [message], { expectedLastSequence: end - 1 }), WrongLastSequenceError);
        assert.equal((await bus.lastMessage(bus.subjects.events))!.sequence, end);
      });
    }
  });
}
