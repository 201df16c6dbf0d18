import type { EventEmitter } from 'node:events';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SystemStatus } from './system-status.ts';

/** What a command worker reports after each command (its 'outcome' event). */
export interface CommandOutcomeEvent {
  commandType: string;
  status: 'accepted' | 'rejected' | 'failed';
  durationMs: number;
  /** Version conflicts met (and retried) while running the command. */
  conflicts?: number;
}

/** A scrape reads the system status at most this often, however many gauges ask for it. */
const STATUS_CACHE_MS = 1_000;

/**
 * The Prometheus metrics of one process. Counters and the latency histogram count what this
 * process did (the workers' commands): Prometheus sums them over the worker replicas. Gauges of
 * queue depth, backlog and lag are read from Redis and PostgreSQL at scrape time, so they are the
 * same whichever replica is scraped (use max(), not sum(), over replicas).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'type' | 'status'>;
  private readonly latency: Histogram<'type' | 'status'>;
  private readonly conflicts: Counter;
  private readonly unknownTypes: Counter<'type'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'eventstore_' });
    this.commands = new Counter({
      name: 'eventstore_commands_total',
      help: 'Commands finished by the workers of this process, by command type and status (accepted, rejected, failed)',
      labelNames: ['type', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'eventstore_command_duration_seconds',
      help: 'Time from a command starting on a worker to its outcome, all attempts included',
      labelNames: ['type', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.conflicts = new Counter({
      name: 'eventstore_version_conflicts_total',
      help: 'Expected-version conflicts met by the workers (only writers outside the queue cause them)',
      registers: [this.registry],
    });
    this.unknownTypes = new Counter({
      name: 'eventstore_commands_unknown_type_total',
      help: 'Times a worker of this process left a command of a type its registry lacks for another worker (the aggregate waits meanwhile)',
      labelNames: ['type'],
      registers: [this.registry],
    });
  }

  observeOutcome(event: CommandOutcomeEvent): void {
    const labels = { type: event.commandType, status: event.status };
    this.commands.inc(labels);
    this.latency.observe(labels, event.durationMs / 1000);
    if (event.conflicts) this.conflicts.inc(event.conflicts);
  }

  /** Counts the outcomes a CommandWorker emits, and the commands it left for lack of their type. */
  observeWorker(worker: EventEmitter): void {
    worker.on('outcome', (event: CommandOutcomeEvent) => this.observeOutcome(event));
    worker.on('unknown_type', (event: { commandType: string }) => this.unknownTypes.inc({ type: event.commandType }));
  }

  /** Gauges read from `status` at scrape time. */
  observeStatus(status: () => Promise<SystemStatus>): void {
    const read = cached(status, STATUS_CACHE_MS);
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>, s: SystemStatus) => void) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          this.reset();
          // Redis or PostgreSQL down: the scrape still answers, without these gauges.
          const status = await read().catch(() => undefined);
          if (status) fill(this, status);
        },
      });
    gauge('eventstore_queue_jobs', 'Jobs of the command queue by state (parked commands are delayed)', ['state'], (g, s) => {
      for (const [state, count] of Object.entries(s.queue)) g.set({ state }, count);
    });
    gauge('eventstore_parked_commands', 'Commands parked behind the command running on their aggregate', [], (g, s) => {
      if (s.gate) g.set(s.gate.parkedCommands);
    });
    gauge('eventstore_halted_aggregates', 'Aggregates halted after a failed command, waiting for an operator', [], (g, s) => {
      if (s.gate) g.set(s.gate.haltedAggregates);
    });
    gauge('eventstore_aggregates_with_backlog', 'Aggregates with queued commands (running or waiting their turn)', [], (g, s) => {
      if (s.gate) g.set(s.gate.aggregatesWithBacklog);
    });
    gauge('eventstore_oldest_queued_command_age_seconds', 'Age of the oldest queued command (0: none queued)', [], (g, s) => {
      if (s.gate?.oldestQueuedCommandAgeSeconds !== undefined) g.set(s.gate.oldestQueuedCommandAgeSeconds);
    });
    gauge('eventstore_queue_workers', 'Workers connected to the command queue; 0: queued commands do not run', ['queue'], (g, s) => {
      if (s.workers !== undefined) g.set({ queue: s.queueName ?? '' }, s.workers);
    });
    gauge('eventstore_dead_letter_commands', 'Commands that failed for good and are kept in the failed set (see FAILED_COMMANDS_KEEP)', [], (g, s) => {
      if (s.queue.failed !== undefined) g.set(s.queue.failed);
    });
    gauge('eventstore_relay_lag_events', 'Committed events the relay has not published yet', [], (g, s) => {
      if (s.relay) g.set(s.relay.lagEvents);
    });
    gauge('eventstore_relay_lag_seconds', 'Age of the oldest committed event the relay has not published', [], (g, s) => {
      if (s.relay) g.set(s.relay.lagSeconds);
    });
    gauge('eventstore_subscription_lag_events', 'Events a subscription has not processed yet', ['subscription'], (g, s) => {
      for (const sub of s.subscriptions ?? []) g.set({ subscription: sub.subscription }, sub.lagEvents);
    });
    gauge('eventstore_subscription_lag_seconds', 'Age of the oldest event a subscription has not processed yet (0: caught up)', ['subscription'], (g, s) => {
      for (const sub of s.subscriptions ?? []) g.set({ subscription: sub.subscription }, sub.lagSeconds ?? 0);
    });
  }
}

function cached<T>(read: () => Promise<T>, ms: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ms) {
      const value = read();
      last = { at: Date.now(), value };
      value.catch(() => {
        if (last?.value === value) last = undefined; // a failed read is not cached
      });
    }
    return last.value;
  };
}
