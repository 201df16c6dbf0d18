import type { Scenario } from '../support/scenario-result.ts';
import { storeThroughput } from './store-throughput.ts';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: Scenario[] = [storeThroughput];
