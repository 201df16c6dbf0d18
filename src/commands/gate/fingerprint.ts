import { createHash } from 'node:crypto';
import type { CommandJobData } from './command-job.ts';

/** The parts of a command that make it this command: a command id reused with others is refused. */
type Identity = Pick<CommandJobData, 'commandType' | 'aggregateId' | 'payload' | 'expectedVersion'>;

/** Names of the parts of a command, as CommandIdReusedError reports what differs. */
export type CommandPart = 'type' | 'aggregateId' | 'payload' | 'expectedVersion';

/**
 * A digest of what the command asks for (type, aggregate id, payload as validated, expected
 * version), stored with its job so that a resend under the same id can be told apart from a
 * different command. Metadata (correlation ids, the time it was issued) is left out: an identical
 * resend carries new ones and must still count as the same command.
 */
export function commandFingerprint(command: Identity): string {
  return createHash('sha256').update(canonicalJson(parts(command))).digest('hex');
}

/** Which parts of two commands under one id differ; empty when they are the same command. */
export function differingParts(stored: Partial<Identity>, sent: Identity): CommandPart[] {
  const [a, b] = [parts(stored as Identity), parts(sent)];
  return (Object.keys(b) as CommandPart[]).filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key]));
}

function parts(command: Identity): Record<CommandPart, unknown> {
  return { type: command.commandType, aggregateId: command.aggregateId, payload: command.payload, expectedVersion: command.expectedVersion ?? null };
}

/** JSON with object keys sorted at every depth, so equal values give equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
