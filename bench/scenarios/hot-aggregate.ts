import { groupmqContender } from '../contenders/groupmq.ts';
import { orderedGate } from '../contenders/ordered-gate.ts';
import type { Scenario } from '../support/scenario-result.ts';
import { makeWorkload } from '../workload/command-workload.ts';
import { COMMAND_COLUMNS, raceContenders } from './command-runs.ts';
import { boundTarget, OURS } from './targets.ts';

const SHORT = 10;
const LONG = 10_000;
const label = (name: string, prior: number) => `${name}, ${prior.toLocaleString('en-US')} prior events`;

/**
 * Scenario 3: one hot aggregate. Every command goes to one aggregate, which runs them one at a time,
 * so commands/s is the serial cycle of one aggregate. Measured with a short and a long stream: the
 * aggregate cache should make the cycle independent of the stream's length. groupmq is the peer
 * (per-group FIFO, also strictly serial per aggregate).
 */
export const hotAggregate: Scenario = {
  name: 'hot-aggregate',
  async run(context) {
    const { options } = context;
    const commands = Math.max(50, Math.round(options.commands / 5));
    const workload = makeWorkload(commands, 1, { kind: 'uniform' });
    const contenders = [orderedGate, groupmqContender].flatMap((c) =>
      [SHORT, LONG].map((prior) => ({ ...c, label: label(c.name, prior), shape: { priorEvents: prior } })),
    );
    const results = await raceContenders(context, 'hot-aggregate', contenders, workload);
    return {
      title: 'Scenario 3: one hot aggregate (serial commands/s)',
      params: { commands, priorEvents: `${SHORT} and ${LONG}`, workerProcesses: options.workers, concurrencyPerProcess: options.concurrency, rounds: options.rounds },
      columns: COMMAND_COLUMNS,
      contenders: results,
      targets: [
        boundTarget(results, label(OURS, SHORT), 'commandsPerSecond', { atLeast: 1_000 }),
        boundTarget(results, label(OURS, LONG), 'commandsPerSecond', { atLeast: 1_000 }),
      ],
      notes: [
        'All commands are UpdateOrderStatus on one aggregate, sent at once; the aggregate has 10 or 10,000 events before the clock starts (no snapshot), so the first command loads the whole stream.',
      ],
    };
  },
};
