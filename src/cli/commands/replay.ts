import type { StartPosition } from '../../bus/start-position.ts';
import type { Deployment } from '../../config/user-config.ts';
import type { Projection } from '../../projections/projection.ts';
import { defineCommand, deploymentOf, integerOption, requirePositional, UsageError, type CliCommand } from '../command.ts';
import { withConnections } from '../connections.ts';
import { progressReporter } from '../progress.ts';

const START_OPTIONS = {
  all: { type: 'boolean' },
  sequence: { type: 'string' },
  time: { type: 'string' },
  delta: { type: 'string' },
  'last-received': { type: 'boolean' },
} as const;

export const replayCommands: CliCommand[] = [
  defineCommand({
    name: 'replay',
    summary: "Reads the event log from a start position and feeds it through a projection's exactly-once apply.",
    usage: '<subscription> [--all | --sequence N | --time ISO-8601 | --delta 30s | --last-received]',
    details: [
      '--all (default): every event the log holds',
      '--sequence N: from the event log message with this sequence (1-based) on',
      '--time T: from the first message stored at or after T (e.g. 2026-11-26T10:00:00Z)',
      '--delta D: from the messages stored in the last D (e.g. 500ms, 30s, 5m, 2h)',
      '--last-received: the last message, then nothing older',
      'Events at or before the projection\'s checkpoint are skipped (exactly once in effect), so a replay is',
      'safe while its projector runs; it fills in what the projection missed. To start the projection over,',
      'use `eventstore rebuild`. Subscriptions: the projections of the config.',
    ],
    options: START_OPTIONS,
    run: async ({ positionals, values }) => {
      const deployment = await deploymentOf(values);
      const projection = projectionNamed(deployment, requirePositional(positionals, 0, 'subscription'));
      const startAt = startPositionOf(values);
      const { replayProjection } = await import('../../projections/replay.ts');
      const progress = progressReporter(`replay ${projection.name}`);
      const text = (t: { read: number; applied: number; invalid: number }) => `${t.read} read, ${t.applied} applied, ${t.invalid} refused as invalid`;
      const totals = await withConnections(deployment, { name: 'replay', bus: true }, (pool, bus) =>
        replayProjection(projection, { pool, bus: bus!, startAt, onProgress: (t) => progress.update(text(t)) }),
      );
      progress.done(text(totals));
    },
  }),
  defineCommand({
    name: 'rebuild',
    summary: 'Empties a projection and applies every event again, from PostgreSQL (default) or from NATS.',
    usage: '<projection> [--source store|bus]',
    details: [
      'Stop the projection\'s projectors first, and start them again afterwards: a live projector could move',
      'the checkpoint past events the rebuild has not applied yet. A crash leaves a consistent, partial view: run it again.',
      'Projections: those of the config.',
    ],
    options: { source: { type: 'string', default: 'store' } },
    run: async ({ positionals, values }) => {
      const deployment = await deploymentOf(values);
      const projection = projectionNamed(deployment, requirePositional(positionals, 0, 'projection'));
      const source = values.source;
      if (source !== 'store' && source !== 'bus') throw new UsageError(`--source must be store or bus, got "${String(source)}"`);
      const { rebuildProjection } = await import('../../projections/rebuild.ts');
      const progress = progressReporter(`rebuild ${projection.name} from ${source}`);
      const result = await withConnections(deployment, { name: 'rebuild', bus: source === 'bus' }, (pool, bus) =>
        rebuildProjection(projection, {
          pool,
          source,
          ...(bus ? { bus } : {}),
          onProgress: ({ events, skipped }) => progress.update(`${events} applied, ${skipped} skipped`),
        }),
      );
      progress.done(`${result.events} applied, ${result.skipped} skipped`);
    },
  }),
];

export function projectionNamed(deployment: Deployment, name: string): Projection {
  const projection = deployment.projections.get(name);
  if (!projection) throw new UsageError(`unknown projection "${name}" in ${deployment.source}; known: ${[...deployment.projections.keys()].join(', ') || 'none'}`);
  return projection;
}

/** Exactly one of the five start options; --all when none is given. */
export function startPositionOf(values: Record<string, string | boolean | undefined>): StartPosition {
  const given = Object.keys(START_OPTIONS).filter((key) => values[key] !== undefined);
  if (given.length > 1) throw new UsageError(`give one start option, not ${given.map((key) => `--${key}`).join(' and ')}`);
  if (values.sequence !== undefined) return { from: 'sequence', sequence: integerOption(values.sequence, 'sequence', 1)! };
  if (values.time !== undefined) {
    const time = new Date(String(values.time));
    if (Number.isNaN(time.getTime())) throw new UsageError(`--time must be a date and time (ISO 8601), got "${String(values.time)}"`);
    return { from: 'time', time };
  }
  if (values.delta !== undefined) return { from: 'delta', ms: durationMs(String(values.delta)) };
  if (values['last-received']) return { from: 'last_received' };
  return { from: 'all' };
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new UsageError(`--delta must be a duration such as 500ms, 30s, 5m, 2h or 1d, got "${text}"`);
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

