import type pg from 'pg';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { Relay } from '../../src/bus/relay.ts';
import { applyEvents } from '../../src/projections/apply.ts';
import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import { Projector } from '../../src/projections/projector.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { EventStore } from '../../src/store/event-store.ts';
import type { BenchContext } from '../support/bench-context.ts';
import { quietLogger, withStoreAndBus } from '../support/bench-bus.ts';
import { type EventRun, summarizeEventRuns } from '../support/event-runs.ts';
import { nowMs } from '../support/percentiles.ts';
import { alternateRounds } from '../support/rounds.ts';
import type { Scenario } from '../support/scenario-result.ts';
import { fillOrders, readEvents, writeSteadily } from '../workload/order-events.ts';
import { boundTarget } from './targets.ts';

/** Scenario 6: the orders projection, rebuilt (exactly-once checkpointing) and live. */

const LIVE_RATE = 200;
/** The per-event baseline runs at a few hundred events/s: it gets at most this many. */
const PER_EVENT_MAX = 2_000;
const FROM_STORE = 'ours: rebuild from the store';
const FROM_NATS = 'ours: rebuild from NATS';
const PER_EVENT = 'one transaction per event';
const LIVE = `ours: live Relay + Projector @${LIVE_RATE}/s`;

interface ProjectionRun extends EventRun {
  /** Orders whose projected version differs from their stream's version after the run. */
  mismatches: number;
}

interface ProjectionContender {
  name: string;
  description: string;
  run(store: EventStore, pool: pg.Pool, bus: EventBus, events: number, seconds: number): Promise<EventRun>;
}

const CONTENDERS: ProjectionContender[] = [
  {
    name: FROM_STORE,
    description: 'rebuildProjection(ordersProjection, { source: "store" }): readAll in commit order, 2,000 events and the checkpoint per transaction',
    async run(store, pool, _bus, events) {
      await fillOrders(store, events);
      return timedRebuild(events, () => rebuildProjection(ordersProjection, { pool, source: 'store' }));
    },
  },
  {
    name: FROM_NATS,
    description: 'rebuildProjection(ordersProjection, { source: "bus" }): the event log read back from JetStream, each batch and the checkpoint per transaction',
    async run(store, pool, bus, events) {
      await fillOrders(store, events);
      await relayAll(pool, bus, events);
      return timedRebuild(events, () => rebuildProjection(ordersProjection, { pool, source: 'bus', bus }));
    },
  },
  {
    name: PER_EVENT,
    description: `the naive exactly-once applier: each event in its own transaction with the checkpoint (applyEvents with one event); at most ${PER_EVENT_MAX.toLocaleString('en-US')} events`,
    async run(store, pool, _bus, total) {
      const events = Math.min(total, PER_EVENT_MAX);
      await fillOrders(store, events);
      const all = await readEvents(store, events, 1_000);
      return timedRebuild(events, async () => {
        for (const event of all) await applyEvents(pool, ordersProjection, [event]);
      });
    },
  },
  {
    name: LIVE,
    description: `store -> Relay -> JetStream -> Projector (strict order, one transaction per event) while writers append ${LIVE_RATE} events/s; latency = occurredAt -> projection committed`,
    async run(store, pool, bus, _events, seconds) {
      const relay = new Relay({ pool, bus, logger: quietLogger('relay') });
      const latenciesMs: number[] = [];
      const projector = new Projector({
        projection: ordersProjection,
        bus,
        pool,
        logger: quietLogger('projector'),
        afterCommit: (event) => void latenciesMs.push(nowMs() - event.occurredAt.getTime()),
      });
      await relay.start();
      await projector.start();
      try {
        const written = await writeSteadily(store, LIVE_RATE, seconds, 'live');
        const deadline = Date.now() + 60_000;
        while (latenciesMs.length < written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        return { eventsPerSecond: LIVE_RATE, latenciesMs };
      } finally {
        await projector.stop();
        await relay.stop();
      }
    },
  },
];

export const projection: Scenario = {
  name: 'projection',
  async run({ options, log }: BenchContext) {
    const events = options.events;
    const seconds = options.steadySeconds;
    const runs = await alternateRounds<ProjectionRun>(
      CONTENDERS.map((c) => ({
        name: c.name,
        run: () =>
          withStoreAndBus(options.natsUrl, async (store, pool, bus) => {
            const result = await c.run(store, pool, bus, events, seconds);
            return { ...result, mismatches: await countMismatches(pool) };
          }),
      })),
      options.rounds,
      (name, round, r) => log(`projection round ${round + 1} ${name}: ${Math.round(r.eventsPerSecond)} events/s, ${r.mismatches} mismatches`),
    );
    const contenders = CONTENDERS.map((c) => {
      const mine = runs.get(c.name)!;
      return summarizeEventRuns(c, mine, 'live', { mismatches: mine.reduce((sum, r) => sum + r.mismatches, 0) });
    });
    return {
      title: 'Scenario 6: orders projection, rebuild and live',
      params: { events, liveRate: LIVE_RATE, liveSeconds: seconds, rounds: options.rounds },
      columns: [
        { key: 'eventsPerSecond', label: 'events/s' },
        { key: 'liveP50Ms', label: 'live p50 ms' },
        { key: 'liveP95Ms', label: 'live p95 ms' },
        { key: 'liveP99Ms', label: 'live p99 ms' },
        { key: 'mismatches', label: 'view != stream' },
      ],
      contenders,
      targets: [boundTarget(contenders, FROM_STORE, 'eventsPerSecond', { atLeast: 20_000 }), boundTarget(contenders, FROM_NATS, 'eventsPerSecond', { atLeast: 20_000 })],
      notes: [
        'Rebuilds: the store holds the events (orders of 10 events) before the clock starts; from NATS, the relay has published them first.',
        'view != stream: orders whose projected version differs from their stream version afterwards (must be 0: nothing skipped, nothing applied twice).',
        `Live: the projection row is committed with its checkpoint before the ack; the offered load is ${LIVE_RATE} events/s (events/s shows the offered rate).`,
      ],
    };
  },
};

async function timedRebuild(events: number, rebuild: () => Promise<unknown>): Promise<EventRun> {
  const started = nowMs();
  await rebuild();
  return { eventsPerSecond: events / ((nowMs() - started) / 1000), latenciesMs: [] };
}

/** Publishes the store to the event log with the relay and waits until the log holds `events`. */
async function relayAll(pool: pg.Pool, bus: EventBus, events: number): Promise<void> {
  const relay = new Relay({ pool, bus, logger: quietLogger('relay') });
  await relay.start();
  try {
    const deadline = Date.now() + 300_000;
    while (((await bus.lastMessage(bus.subjects.events))?.sequence ?? 0) < events) {
      if (Date.now() > deadline) throw new Error(`the relay did not publish ${events} events in 300 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await relay.stop();
  }
}

async function countMismatches(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM streams s LEFT JOIN orders_view o ON o.order_id = s.aggregate_id
     WHERE s.aggregate_type = 'Order' AND (o.version IS NULL OR o.version <> s.version)`,
  );
  return rows[0].n as number;
}
