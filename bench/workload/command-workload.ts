import { randomUUID } from 'node:crypto';
import { ORDER_STATUSES } from '../../examples/orders/domain/order.ts';

/** One command of a benchmark run, with the facts the ordering check needs. */
export interface BenchCommand {
  commandId: string;
  aggregateId: string;
  /** 1, 2, 3 ... in the order the producer sends this aggregate's commands. */
  seq: number;
  commandType: 'UpdateOrderStatus';
  payload: { status: string };
}

export type LoadShape =
  | { kind: 'uniform' }
  | { kind: 'hot'; hotAggregates: number; hotShare: number }
  /** Command i goes to aggregate i % aggregates: with count = aggregates, every command to a new one. */
  | { kind: 'round-robin' };


/**
 * `count` commands over `aggregates` aggregates, in send order. Uniform: every command picks an
 * aggregate at random. Hot: `hotShare` of the commands go to the first `hotAggregates`.
 * Round-robin: in turn.
 * Seeded, so every contender of a scenario gets the same sequence.
 */
export function makeWorkload(count: number, aggregates: number, shape: LoadShape, seed = 42): BenchCommand[] {
  const random = mulberry32(seed);
  const run = randomUUID().slice(0, 8);
  const seqs = new Map<number, number>();
  return Array.from({ length: count }, (_, i) => {
    const index = shape.kind === 'round-robin' ? i % aggregates : pickAggregate(random, aggregates, shape);
    const seq = (seqs.get(index) ?? 0) + 1;
    seqs.set(index, seq);
    return {
      commandId: randomUUID(),
      aggregateId: aggregateIdOf(run, index),
      seq,
      commandType: 'UpdateOrderStatus',
      payload: { status: ORDER_STATUSES[seq % ORDER_STATUSES.length]! },
    };
  });
}

/** The distinct aggregates of a workload (each is created before the clock starts). */
export function aggregatesOf(commands: readonly BenchCommand[]): string[] {
  return [...new Set(commands.map((c) => c.aggregateId))];
}

function aggregateIdOf(run: string, index: number): string {
  return `order-${run}-${index}`;
}

function pickAggregate(random: () => number, aggregates: number, shape: Exclude<LoadShape, { kind: 'round-robin' }>): number {
  if (shape.kind === 'uniform') return Math.floor(random() * aggregates);
  if (random() < shape.hotShare) return Math.floor(random() * shape.hotAggregates);
  return shape.hotAggregates + Math.floor(random() * (aggregates - shape.hotAggregates));
}

/** A small seeded PRNG (mulberry32): the same workload for every contender and round. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
