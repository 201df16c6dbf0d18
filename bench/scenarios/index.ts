import type { Scenario } from '../support/scenario-result.ts';
import { commandThroughput } from './command-throughput.ts';
import { contention } from './contention.ts';
import { relayThroughput } from './relay-throughput.ts';
import { storeThroughput } from './store-throughput.ts';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: Scenario[] = [commandThroughput, contention, storeThroughput, relayThroughput];
