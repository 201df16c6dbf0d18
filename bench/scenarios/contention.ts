import { COMMAND_CONTENDERS } from '../contenders/index.ts';
import type { Scenario } from '../support/scenario-result.ts';
import { makeWorkload } from '../workload/command-workload.ts';
import { COMMAND_COLUMNS, raceContenders } from './command-runs.ts';
import { COMMAND_NOTES, commandParams } from './command-throughput.ts';
import { boundTarget, OURS, ratioTarget } from './targets.ts';

const AGGREGATES = 1_000;
const HOT = { kind: 'hot' as const, hotAggregates: 10, hotShare: 0.9 };

/** Scenario 2: contention, 10 hot aggregates receive 90% of the commands. */
export const contention: Scenario = {
  name: 'contention',
  async run(context) {
    const { options } = context;
    const workload = makeWorkload(options.commands, AGGREGATES, HOT);
    const contenders = await raceContenders(context, 'contention', COMMAND_CONTENDERS, workload);
    return {
      title: 'Scenario 2: contention (10 hot aggregates get 90% of the commands)',
      params: { ...commandParams(options, AGGREGATES), hotAggregates: HOT.hotAggregates, hotShare: HOT.hotShare },
      columns: COMMAND_COLUMNS,
      contenders,
      targets: [
        ratioTarget(contenders, 'optimistic retry', 'commandsPerSecond', 5),
        boundTarget(contenders, OURS, 'conflicts', { atMost: 0 }),
        boundTarget(contenders, OURS, 'orderingViolations', { atMost: 0 }),
      ],
      notes: COMMAND_NOTES,
    };
  },
};
