import type { Scenario } from '../support/scenario-result.ts';
import { commandThroughput } from './command-throughput.ts';
import { contention } from './contention.ts';
import { hotAggregate } from './hot-aggregate.ts';
import { projection } from './projection.ts';
import { relayThroughput } from './relay-throughput.ts';
import { storeThroughput } from './store-throughput.ts';
import { workerMemory } from './worker-memory.ts';

/** Every scenario, in the order `npm run bench` runs them (numbered as in docs/benchmarks.md). */
export const SCENARIOS: Scenario[] = [commandThroughput, contention, hotAggregate, storeThroughput, relayThroughput, projection, workerMemory];
