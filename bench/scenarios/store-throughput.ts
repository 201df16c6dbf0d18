import { EventStore } from '../../src/store/event-store.ts';
import type { AppendRequest } from '../../src/store/types.ts';
import type { BenchContext } from '../support/bench-context.ts';
import { withBenchDatabase } from '../support/bench-database.ts';
import { type EventRun, summarizeEventRuns } from '../support/event-runs.ts';
import { nowMs } from '../support/percentiles.ts';
import { alternateRounds, type RoundContender } from '../support/rounds.ts';
import type { Scenario } from '../support/scenario-result.ts';
import { readEvents } from '../workload/order-events.ts';

/** Scenario 4: the store alone. Append events/s, one event per call and batched; readAll events/s. */

const AGGREGATES = 1_000;
const BATCH = 100;
const READ_PAGE = 1_000;
/** One-event appends run at about a thousand a second: they get at most this many events. */
const SINGLE_MAX = 5_000;
const DATA = Buffer.from(JSON.stringify({ status: 'shipped', note: 'benchmark event payload of a typical size' }));

type StoreRun = EventRun;

interface StoreContender {
  name: string;
  description: string;
  clients: number;
  measure(store: EventStore, events: number, clients: number): Promise<StoreRun>;
}

const CONTENDERS: StoreContender[] = [
  { name: 'append, 1 client', description: 'store.append, one event per call, awaited one by one', clients: 1, measure: measureAppend },
  { name: 'append, 8 clients', description: 'store.append, one event per call, 8 concurrent callers', clients: 8, measure: measureAppend },
  { name: `appendMany ${BATCH}, 1 client`, description: `store.appendMany, ${BATCH} aggregates x 1 event per statement`, clients: 1, measure: measureAppendMany },
  { name: `appendMany ${BATCH}, 4 clients`, description: `store.appendMany, ${BATCH} aggregates x 1 event per statement, 4 concurrent callers`, clients: 4, measure: measureAppendMany },
  { name: `readAll, pages of ${READ_PAGE}`, description: `store.readAll in commit order over a store of the run's size, ${READ_PAGE} per page`, clients: 1, measure: measureReadAll },
];

export const storeThroughput: Scenario = {
  name: 'store-throughput',
  async run({ options, log }: BenchContext) {
    const events = options.events;
    const contenders: RoundContender<StoreRun>[] = CONTENDERS.map((c) => ({
      name: c.name,
      run: () => withBenchDatabase((db) => c.measure(new EventStore(db.pool), events, c.clients), c.clients + 1),
    }));
    const runs = await alternateRounds(contenders, options.rounds, (name, round, r) =>
      log(`store-throughput round ${round + 1} ${name}: ${Math.round(r.eventsPerSecond)} events/s`),
    );
    const results = CONTENDERS.map((c) => summarizeEventRuns(c, runs.get(c.name)!, 'call'));
    return {
      title: 'Scenario 4: event store append and readAll',
      params: { events, aggregates: AGGREGATES, batch: BATCH, readPage: READ_PAGE, rounds: options.rounds },
      columns: [
        { key: 'eventsPerSecond', label: 'events/s' },
        { key: 'callP50Ms', label: 'call p50 ms' },
        { key: 'callP95Ms', label: 'call p95 ms' },
        { key: 'callP99Ms', label: 'call p99 ms' },
      ],
      contenders: results,
      targets: [],
      notes: [
        'Appends go to 1,000 existing-or-new aggregates with their exact expected version (the CAS path a worker takes).',
        'readAll reads a store filled by appendMany before the clock starts.',
        `One-event appends write at most ${SINGLE_MAX.toLocaleString('en-US')} events per run.`,
      ],
    };
  },
};

/** Appends `events` events, one per call, spread over `clients` concurrent callers. */
async function measureAppend(store: EventStore, total: number, clients: number): Promise<StoreRun> {
  const events = Math.min(total, SINGLE_MAX);
  const versions = new Array<number>(AGGREGATES).fill(0);
  const latenciesMs: number[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    for (let i = next++; i < events; i = next++) {
      // Calls in flight at once are at most `clients` apart, never AGGREGATES: no two race on one aggregate.
      const aggregate = i % AGGREGATES;
      const started = nowMs();
      const result = await store.append(`order-${aggregate}`, [{ eventType: 'OrderStatusUpdated', data: DATA }], {
        aggregateType: 'Order',
        expectedVersion: versions[aggregate]!,
      });
      latenciesMs.push(nowMs() - started);
      versions[aggregate] = result.nextExpectedVersion;
    }
  };
  return timed(events, latenciesMs, () => Promise.all(Array.from({ length: clients }, caller)));
}

/** Appends `events` events as statements of BATCH aggregates x 1 event. */
async function measureAppendMany(store: EventStore, events: number, clients: number): Promise<StoreRun> {
  const batches = makeBatches(events);
  const versions = new Array<number>(AGGREGATES).fill(0);
  const latenciesMs: number[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    for (let b = next++; b < batches.length; b = next++) {
      const requests = batches[b]!.map((aggregate) => request(aggregate, versions[aggregate]!));
      const started = nowMs();
      const { committed, rejected } = await store.appendMany(requests);
      latenciesMs.push(nowMs() - started);
      if (rejected.length > 0) throw new Error(`appendMany rejected ${rejected.length}: ${rejected[0]!.message}`);
      for (const c of committed) versions[Number(c.aggregateId.slice(6))] = c.nextExpectedVersion;
    }
  };
  return timed(events, latenciesMs, () => Promise.all(Array.from({ length: clients }, caller)));
}

async function measureReadAll(store: EventStore, events: number): Promise<StoreRun> {
  for (const batch of makeBatches(events)) await store.appendMany(batch.map((aggregate) => request(aggregate, 'any')));
  const latenciesMs: number[] = [];
  let started = nowMs();
  return timed(events, latenciesMs, () =>
    readEvents(store, events, READ_PAGE, () => {
      latenciesMs.push(nowMs() - started);
      started = nowMs();
    }),
  );
}

/**
 * Batches of BATCH distinct aggregates. Batch b takes its aggregates from block b % blocks, so the
 * batches that concurrent callers hold at the same moment never share an aggregate.
 */
function makeBatches(events: number): number[][] {
  const blocks = AGGREGATES / BATCH;
  return Array.from({ length: Math.ceil(events / BATCH) }, (_, b) => {
    const size = Math.min(BATCH, events - b * BATCH);
    return Array.from({ length: size }, (_, i) => (b % blocks) * BATCH + i);
  });
}

function request(aggregate: number, expectedVersion: number | 'any'): AppendRequest {
  return {
    aggregateId: `order-${aggregate}`,
    aggregateType: 'Order',
    events: [{ eventType: 'OrderStatusUpdated', data: DATA }],
    expectedVersion,
  };
}

async function timed(events: number, latenciesMs: number[], work: () => Promise<unknown>): Promise<StoreRun> {
  const started = nowMs();
  await work();
  const seconds = (nowMs() - started) / 1000;
  return { eventsPerSecond: events / seconds, latenciesMs };
}
