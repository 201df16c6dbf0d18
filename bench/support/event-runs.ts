import { median, round, summarizeLatencies } from './percentiles.ts';
import type { ContenderResult, Figures } from './scenario-result.ts';

/** One run of an events/s scenario (store, relay, projection). */
export interface EventRun {
  eventsPerSecond: number;
  /** Per-call or per-event latencies of the run, in ms (may be empty). */
  latenciesMs: number[];
}

/**
 * A contender's figures over its rounds: events/s is the median of the rounds; the latency
 * percentiles pool every sample, under the keys `${latencyKey}P50Ms` etc. (omitted when none).
 */
export function summarizeEventRuns(
  contender: { name: string; description: string },
  runs: readonly EventRun[],
  latencyKey: string,
  extra: Figures = {},
): ContenderResult {
  const samples = runs.flatMap((r) => r.latenciesMs);
  const latency = summarizeLatencies(samples);
  const percentiles: Figures =
    samples.length === 0 ? {} : { [`${latencyKey}P50Ms`]: latency.p50Ms, [`${latencyKey}P95Ms`]: latency.p95Ms, [`${latencyKey}P99Ms`]: latency.p99Ms };
  return {
    name: contender.name,
    description: contender.description,
    figures: { eventsPerSecond: round(median(runs.map((r) => r.eventsPerSecond)), 0), ...percentiles, ...extra },
    rounds: runs.map((r) => ({ eventsPerSecond: round(r.eventsPerSecond, 0) })),
  };
}
