import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { encodeEvent } from '../../src/envelope/codec.ts';
import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import { applyEvents } from '../../src/projections/apply.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createPool } from '../../src/store/pool.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import type { VerifyReport } from '../../src/verify/report.ts';
import { verify } from '../../src/verify/verify.ts';
import { createTestBus, writeOrders } from '../bus/helpers.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * The event log and projection checks, against a real JetStream and PostgreSQL. The log is written
 * by hand from the store's events (what the relay does), so each fault is exactly the one forged.
 */
describe('verify: event log and projections', () => {
  let db: TestDatabase;
  let events: RecordedEvent[];
  let bus: Awaited<ReturnType<typeof createTestBus>>;
  const orders = [ordersProjection];

  before(async () => {
    db = await createTestDatabase();
    await writeOrders(db.pool, { orders: 20, updates: 2, writers: 4 });
    // readAll follows the xmin rule: a transaction open elsewhere in the shared cluster (another
    // test file) holds fresh events back for a moment.
    const store = new EventStore(db.pool);
    await waitUntil(async () => (events = await store.readAll({ limit: 1000 })).length === 60, 'the events to pass the xmin horizon', 60_000);
    await applyEvents(db.pool, ordersProjection, events);
  });
  after(() => db.drop());
  beforeEach(async () => {
    await bus?.destroy();
    bus = await createTestBus();
  });
  after(() => bus?.destroy());

  const publish = (list: RecordedEvent[], tag = '') =>
    bus.publishBatch(bus.subjects.events, list.map((e) => ({ data: encodeEvent(e), msgId: `${e.eventId}${tag}` })));
  const kinds = (report: VerifyReport, check: string) => report.checks.find((c) => c.name === check)!.violations.map((v) => v.kind);

  it('passes when the log is the store in commit order and the view equals a rebuild (as the application role)', async () => {
    await publish(events);
    const app = createPool(db.appUrl, { max: 2 });
    const report = await verify({ pool: app, bus, projections: orders, requireLogCaughtUp: true }).finally(() => app.end());
    assert.equal(report.ok, true, JSON.stringify(report.checks, null, 1));
    assert.match(report.checks.find((c) => c.name === 'event log')!.examined, /^60 messages .* against 60 store events/);
    assert.match(report.checks.find((c) => c.name === 'projection orders')!.examined, /^20 live row\(s\) against a rebuild from 60 event/);
  });

  it('finds an event the log skipped', async () => {
    await publish([...events.slice(0, 10), ...events.slice(11)]);
    const report = await verify({ pool: db.pool, bus });
    assert.deepEqual(kinds(report, 'event log'), ['log_missing_event']);
    assert.match(report.checks.find((c) => c.name === 'event log')!.violations[0]!.message, new RegExp(`skips event ${events[10]!.eventId}`));
  });

  it('finds events out of commit order and published twice', async () => {
    await publish([events[0]!, events[2]!, events[1]!, ...events.slice(3)]);
    await publish([events[5]!], '-again');
    const report = await verify({ pool: db.pool, bus });
    assert.deepEqual(kinds(report, 'event log'), ['log_missing_event', 'log_out_of_order', 'log_out_of_order']);
  });

  it('finds a message that is no event envelope', async () => {
    await publish(events);
    await bus.publishBatch(bus.subjects.events, [{ data: Buffer.from('not protobuf \xff'), msgId: 'garbage' }]);
    assert.deepEqual(kinds(await verify({ pool: db.pool, bus }), 'event log'), ['log_invalid_message']);
  });

  it('notes relay lag, and counts it as a violation only when the log must be caught up', async () => {
    await publish(events.slice(0, 40));
    const live = await verify({ pool: db.pool, bus });
    assert.equal(live.ok, true);
    assert.match(live.checks.find((c) => c.name === 'event log')!.notes.join(), /ends 20 event\(s\) before/);
    assert.deepEqual(kinds(await verify({ pool: db.pool, bus, requireLogCaughtUp: true }), 'event log'), ['log_behind']);
  });

  it('finds a projection row that differs from a rebuild, without writing anything', async () => {
    const orderId = events[0]!.aggregateId;
    await db.pool.query(`UPDATE orders_view SET status = 'forged' WHERE order_id = $1`, [orderId]);
    await db.pool.query(`DELETE FROM orders_view WHERE order_id = $1`, [events[events.length - 1]!.aggregateId]);
    try {
      const report = await verify({ pool: db.pool, projections: orders });
      const projection = report.checks.find((c) => c.name === 'projection orders')!;
      assert.deepEqual(projection.violations.map((v) => v.kind), ['projection_differs', 'projection_differs', 'projection_differs']);
      assert.match(projection.violations.map((v) => v.message).join('\n'), /"status":"forged".* in the live view but not in the rebuild/);
      // The forged row is still there: verify never writes.
      const { rows } = await db.pool.query('SELECT status FROM orders_view WHERE order_id = $1', [orderId]);
      assert.equal(rows[0].status, 'forged');
    } finally {
      await db.pool.query('TRUNCATE orders_view');
      await db.pool.query('DELETE FROM subscription_checkpoints');
      await applyEvents(db.pool, ordersProjection, events);
    }
  });
});
