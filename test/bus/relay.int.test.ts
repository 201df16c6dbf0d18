import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeEvent } from '../../src/envelope/codec.ts';
import { Relay, relayStatus } from '../../src/bus/relay.ts';
import { EventStore } from '../../src/store/event-store.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';
import { createTestBus, writeOrders } from './helpers.ts';

let db: TestDatabase;
let bus: Awaited<ReturnType<typeof createTestBus>>;

before(async () => {
  db = await createTestDatabase();
  bus = await createTestBus();
});
after(async () => {
  await bus.destroy();
  await db.drop();
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
