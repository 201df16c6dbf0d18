import { formatReport } from '../../verify/report.ts';
import { verify } from '../../verify/verify.ts';
import { defineCommand, deploymentOf, integerOption, type CliCommand } from '../command.ts';
import { withConnections } from '../connections.ts';
import { projectionNamed } from './replay.ts';

export const verifyCommands: CliCommand[] = [
  defineCommand({
    name: 'verify',
    summary: 'Checks every guarantee against the live system and reports each violation; exit code 0 only when all hold.',
    usage: '[--no-log] [--projection NAME]... [--no-projections] [--caught-up] [--max-examples N] [--json]',
    details: [
      'Store: every aggregate\'s versions run 1, 2, 3... (no gap, no duplicate) and its stream head agrees;',
      '  every accepted command has its events exactly once; events follow their commands\' acceptance order',
      '  (metadata.extra.acceptedSeq, stamped by the gate when it admits a command); every snapshot sits on its',
      '  stream at a version it reached. Command records pruned by prune-commands are noted, not violations.',
      'Event log: the NATS log equals the store\'s commit order (--no-log skips it).',
      'Projections: each read model equals a rebuild up to its checkpoint (default: all; --projection picks).',
      '--caught-up: events the relay has not published yet count as violations (use on an idle system).',
      'Read-only and bounded in memory: the store checks run in one read-only snapshot; the projection',
      'check rebuilds into temporary tables inside a transaction that is rolled back, and holds a',
      'transaction id meanwhile, which holds the relay back that long (skip with --no-projections).',
    ],
    options: {
      'no-log': { type: 'boolean' },
      projection: { type: 'string', multiple: true },
      'no-projections': { type: 'boolean' },
      'caught-up': { type: 'boolean' },
      'max-examples': { type: 'string' },
      json: { type: 'boolean' },
    },
    run: async ({ values }) => {
      const deployment = await deploymentOf(values);
      const names = (values.projection as unknown as string[] | undefined) ?? (values['no-projections'] ? [] : [...deployment.projections.keys()]);
      const chosen = names.map((name) => projectionNamed(deployment, name));
      const report = await withConnections(deployment, { name: 'verify', bus: !values['no-log'] }, (pool, bus) =>
        verify({
          pool,
          ...(bus ? { bus } : {}),
          projections: chosen,
          requireLogCaughtUp: values['caught-up'] === true,
          maxExamples: integerOption(values['max-examples'], 'max-examples', 1) ?? 20,
        }),
      );
      console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return report.ok ? 0 : 1;
    },
  }),
];
