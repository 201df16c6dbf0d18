import { COMMAND_CONTENDERS } from '../contenders/index.ts';
import type { Scenario } from '../support/scenario-result.ts';
import { makeWorkload } from '../workload/command-workload.ts';
import { COMMAND_COLUMNS, raceContenders } from './command-runs.ts';
import { boundTarget, OURS, ratioTarget } from './targets.ts';

const AGGREGATES = 1_000;

/** Scenario 1: command throughput end to end, 1,000 aggregates, uniform load. */
export const commandThroughput: Scenario = {
  name: 'command-throughput',
  async run(context) {
    const { options } = context;
    const workload = makeWorkload(options.commands, AGGREGATES, { kind: 'uniform' });
    const contenders = await raceContenders(context, 'command-throughput', COMMAND_CONTENDERS, workload);
    return {
      title: 'Scenario 1: command throughput end to end (1,000 aggregates, uniform)',
      params: commandParams(options, AGGREGATES),
      columns: COMMAND_COLUMNS,
      contenders,
      targets: [
        ratioTarget(contenders, 'BullMQ, no ordering', 'commandsPerSecond', 0.6),
        ratioTarget(contenders, 'groupmq', 'commandsPerSecond', 2),
        boundTarget(contenders, OURS, 'orderingViolations', { atMost: 0 }),
        boundTarget(contenders, OURS, 'commandsPerSecond', { atLeast: 3_000 }),
      ],
      notes: COMMAND_NOTES,
    };
  },
};

export function commandParams(options: import('../support/cli-options.ts').BenchOptions, aggregates: number) {
  return {
    commands: options.commands,
    aggregates,
    workerProcesses: options.workers,
    concurrencyPerProcess: options.concurrency,
    partitions: options.partitions,
    rounds: options.rounds,
  };
}

export const COMMAND_NOTES = [
  'All commands are sent at once (chunks of 200, each chunk in one Redis round trip where the queue allows it); latency is send -> commit of the command\'s events (processed_commands.processed_at), so it includes the wait in the backlog.',
  'commands/s = commands / (last commit - first send). Every aggregate exists before the clock starts; every command is UpdateOrderStatus with the example domain\'s rules.',
  'Every contender loads the aggregate (cached state, validated by reading the events after the cached version), decides and appends to the same PostgreSQL store, recording the command id in the same statement.',
  'Ordering violations: accepted commands of one aggregate whose event versions contradict the order the producer sent them in (checked in processed_commands).',
];
