import type { CommandOutcome } from '../../envelope/codec.ts';
import type { ProcessedCommand } from '../../store/types.ts';

/**
 * How outcomes travel: an accepted command completes its job with the outcome as return value; a
 * rejected one fails its job with a reason of the form `rejected [code]: reason`, readable in Bull
 * Board and parseable here. processed_commands in PostgreSQL holds both for good.
 */

const REJECTED = /^rejected \[([a-z_]+)\]: ([\s\S]*)$/;

export function rejectionMessage(code: string, reason: string): string {
  return `rejected [${code}]: ${reason}`;
}

/** The rejected outcome a failed job's reason stands for, if it stands for one. */
export function parseRejection(commandId: string, aggregateId: string, failedReason: string): CommandOutcome | undefined {
  const match = REJECTED.exec(failedReason);
  if (!match) return undefined;
  const [, code, reason] = match as unknown as [string, string, string];
  const actual = code === 'concurrency' ? /is at version (\d+)/.exec(reason) : null;
  return { commandId, aggregateId, status: 'rejected', code, reason, ...(actual ? { actualVersion: Number(actual[1]) } : {}) };
}

export function outcomeFromRecord(record: ProcessedCommand): CommandOutcome {
  return record.status === 'accepted'
    ? { commandId: record.commandId, aggregateId: record.aggregateId, status: 'accepted', version: record.version, eventIds: record.eventIds }
    : parseRejection(record.commandId, record.aggregateId, rejectionMessage(record.code, record.reason))!;
}
