import { setTimeout as sleep } from 'node:timers/promises';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { Relay } from '../../src/bus/relay.ts';
import { decodeEvent, encodeEvent } from '../../src/envelope/codec.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { START, type CommitPosition } from '../../src/store/types.ts';
import type { BenchContext } from '../support/bench-context.ts';
import { quietLogger, withStoreAndBus } from '../support/bench-bus.ts';
import { type EventRun, summarizeEventRuns } from '../support/event-runs.ts';
import { nowMs } from '../support/percentiles.ts';
import { alternateRounds } from '../support/rounds.ts';
import type { Scenario } from '../support/scenario-result.ts';
import { fillOrders, writeSteadily } from '../workload/order-events.ts';
import { boundTarget } from './targets.ts';

/** Scenario 5: the outbox relay, store -> NATS JetStream. */

const STEADY_RATE = 1_000;
const RELAY = 'ours: Relay (windowed publishes)';
const NAIVE = 'naive relay (each publish awaited)';

/** A running relay: ours, or the naive loop it is compared with. */
interface RunningRelay {
  stop(): Promise<void>;
}

const CONTENDERS: Array<{ name: string; description: string; start(store: EventStore, pool: import('pg').Pool, bus: EventBus): Promise<RunningRelay> }> = [
  {
    name: RELAY,
    description: 'src/bus/relay.ts: reads 2,000 events per batch in commit order, publishes them with a window in flight, reads the next batch meanwhile',
    async start(_store, pool, bus) {
      const relay = new Relay({ pool, bus, logger: quietLogger('relay') });
      await relay.start();
      return relay;
    },
  },
  {
    name: NAIVE,
    description: 'readAll in commit order, then one publish per event, each awaited before the next (the textbook outbox loop)',
    async start(store, _pool, bus) {
      let stopping = false;
      const loop = (async () => {
        let after: CommitPosition = START;
        while (!stopping) {
          const events = await store.readAll({ after, limit: 1_000 });
          if (events.length === 0) await sleep(5);
          for (const event of events) {
            await bus.publishBatch(bus.subjects.events, [{ data: encodeEvent(event), msgId: event.eventId }]);
            after = event;
          }
        }
      })();
      return {
        async stop() {
          stopping = true;
          await loop;
        },
      };
    },
  },
];

export const relayThroughput: Scenario = {
  name: 'relay-throughput',
  async run({ options, log }: BenchContext) {
    const events = options.events;
    const steadySeconds = options.steadySeconds;
    const runs = await alternateRounds<EventRun>(
      CONTENDERS.map((c) => ({
        name: c.name,
        run: () =>
          withStoreAndBus(options.natsUrl, async (store, pool, bus) => {
            await fillOrders(store, events);
            const started = nowMs();
            const relay = await c.start(store, pool, bus);
            try {
              await waitForSequence(bus, events);
              const eventsPerSecond = events / ((nowMs() - started) / 1000);
              return { eventsPerSecond, latenciesMs: await measureLag(store, bus, events, steadySeconds) };
            } finally {
              await relay.stop();
            }
          }),
      })),
      options.rounds,
      (name, round, r) => log(`relay-throughput round ${round + 1} ${name}: ${Math.round(r.eventsPerSecond)} events/s`),
    );
    const contenders = CONTENDERS.map((c) => summarizeEventRuns(c, runs.get(c.name)!, 'lag'));
    return {
      title: 'Scenario 5: relay, store -> NATS JetStream',
      params: { events, steadyRate: STEADY_RATE, steadySeconds, rounds: options.rounds },
      columns: [
        { key: 'eventsPerSecond', label: 'events/s (backlog)' },
        { key: 'lagP50Ms', label: `lag p50 ms @${STEADY_RATE}/s` },
        { key: 'lagP95Ms', label: 'lag p95 ms' },
        { key: 'lagP99Ms', label: 'lag p99 ms' },
      ],
      contenders,
      targets: [boundTarget(contenders, RELAY, 'eventsPerSecond', { atLeast: 20_000 })],
      notes: [
        'events/s: a store holding the backlog, relay started, clock stops when the stream holds every event (JetStream acked each publish).',
        `lag: then writers append ${STEADY_RATE} events/s for ${steadySeconds} s; lag = occurredAt (set just before the append) -> a subscriber on the event log receives the event.`,
      ],
    };
  },
};

async function waitForSequence(bus: EventBus, sequence: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (((await bus.lastMessage(bus.subjects.events))?.sequence ?? 0) < sequence) {
    if (Date.now() > deadline) throw new Error(`the event log did not reach sequence ${sequence} in 300 s`);
    await sleep(10);
  }
}

/** Appends at a steady rate while a subscriber on the log measures occurredAt -> receipt. */
async function measureLag(store: EventStore, bus: EventBus, backlog: number, seconds: number): Promise<number[]> {
  const lagMs: number[] = [];
  let received = 0;
  const subscription = await bus.subscribe(
    bus.subjects.events,
    async (message) => {
      lagMs.push(nowMs() - decodeEvent(message.data).occurredAt.getTime());
      received++;
    },
    { durable: 'bench-lag', startAt: { from: 'sequence', sequence: backlog + 1 }, maxInFlight: 1_000 },
  );
  try {
    const written = await writeSteadily(store, STEADY_RATE, seconds, 'steady');
    const deadline = Date.now() + 60_000;
    while (received < written && Date.now() < deadline) await sleep(10);
    if (received < written) throw new Error(`lag subscriber got ${received} of ${written} events`);
  } finally {
    await subscription.unsubscribe();
  }
  return lagMs;
}
