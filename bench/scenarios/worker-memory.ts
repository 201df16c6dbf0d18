import { orderedGate } from '../contenders/ordered-gate.ts';
import type { Scenario } from '../support/scenario-result.ts';
import { makeWorkload } from '../workload/command-workload.ts';
import { raceContenders } from './command-runs.ts';
import { boundTarget, OURS } from './targets.ts';

/**
 * Scenario 7: memory. One worker process handles one command on each of N distinct aggregates;
 * its RSS once all are done shows whether the aggregate cache (default 10,000 entries) is bounded.
 */
export const workerMemory: Scenario = {
  name: 'worker-memory',
  async run(context) {
    const { options } = context;
    const aggregates = options.quick ? Math.min(10_000, options.commands * 5) : 100_000;
    const workload = makeWorkload(aggregates, aggregates, { kind: 'round-robin' });
    // One round: memory is not a ratio between contenders, and 100,000 commands take minutes.
    const once = { ...context, options: { ...options, rounds: 1 } };
    const results = await raceContenders(once, 'worker-memory', [{ ...orderedGate, shape: { workers: 1 } }], workload);
    return {
      title: `Scenario 7: worker RSS after ${aggregates.toLocaleString('en-US')} distinct aggregates`,
      params: { aggregates, workerProcesses: 1, concurrencyPerProcess: options.concurrency, rounds: 1 },
      columns: [
        { key: 'maxWorkerRssMb', label: 'worker RSS MB' },
        { key: 'commandsPerSecond', label: 'commands/s' },
        { key: 'lost', label: 'lost' },
      ],
      contenders: results,
      targets: [boundTarget(results, OURS, 'maxWorkerRssMb', { atMost: 200 }, ' MB')],
      notes: ['RSS of the worker process once every command is done, before shutdown. The cache holds 10,000 aggregates by default.'],
    };
  },
};
