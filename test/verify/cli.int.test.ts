import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { encodeEvent } from '../../src/envelope/codec.ts';
import { applyEvents } from '../../src/projections/apply.ts';
import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { createTestBus, writeOrders } from '../bus/helpers.ts';
import { transports } from '../bus/stan-server.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitUntil } from '../support/wait.ts';

const run = promisify(execFile);

for (const transport of transports('the verify CLI test')) {
  /** `eventstore verify` as an operator runs it: connected as the application role, exit code 0 or 1. */
  describe(`eventstore verify (CLI) on ${transport}`, () => {
    let db: TestDatabase;
    let bus: Awaited<ReturnType<typeof createTestBus>>;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      db = await createTestDatabase();
      bus = await createTestBus({ transport });
      await writeOrders(db.pool, { orders: 10, updates: 1, writers: 2 });
      // readAll follows the xmin rule: a transaction open elsewhere in the shared cluster holds fresh events back for a moment.
      const store = new EventStore(db.pool);
      let events: RecordedEvent[] = [];
      await waitUntil(async () => (events = await store.readAll()).length === 20, 'the events to pass the xmin horizon', 60_000);
      await bus.publishBatch(bus.subjects.events, events.map((e) => ({ data: encodeEvent(e), msgId: e.eventId })));
      await applyEvents(db.pool, ordersProjection, events);
      env = { ...process.env, DATABASE_URL: db.appUrl, NATS_PREFIX: bus.subjects.prefix, EVENT_BUS: transport, LOG_LEVEL: 'silent' };
    });
    after(async () => {
      await bus.destroy();
      await db.drop();
    });

    const verify = (...args: string[]) =>
      run(process.execPath, ['bin/eventstore.mjs', 'verify', ...args], { env }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );

    it('exits 0 and says what it checked when every guarantee holds', async () => {
      const { code, stdout } = await verify('--caught-up');
      assert.equal(code, 0, stdout);
      assert.match(stdout, /ok {3}versions: 20 events in 10 aggregates/);
      assert.match(stdout, /ok {3}event log: 20 messages/);
      assert.match(stdout, /ok {3}projection orders: 10 live row/);
      assert.match(stdout, /verify: all 6 checks hold/);
    });

    it('exits 1 and names the violation when one does not', async () => {
      await db.pool.query('ALTER TABLE events DISABLE TRIGGER events_no_update_delete');
      await db.pool.query(`DELETE FROM events WHERE global_position = (SELECT max(global_position) FROM events)`);
      const { code, stdout } = await verify('--json', '--no-projections');
      assert.equal(code, 1);
      const report = JSON.parse(stdout);
      assert.equal(report.ok, false);
      const kinds = report.checks.flatMap((c: { violations: { kind: string }[] }) => c.violations.map((v) => v.kind));
      assert.ok(kinds.includes('stream_head_mismatch') && kinds.includes('log_unknown_event'), kinds.join());
    });
  });
}
