import type { CommandOutcome } from '../../envelope/codec.ts';
import type { ProcessedCommand } from '../../store/types.ts';

/**
 * How outcomes travel, always as data: an accepted command completes its job with the outcome as
 * return value; a rejected one keeps its outcome on the job (field `rejection`, see
 * record-rejection.lua) and fails the job with a sentence for people (`rejected [code]: reason`,
 * as Bull Board shows it) that nothing parses. processed_commands in PostgreSQL holds both for good.
 */

export type RejectedOutcome = Extract<CommandOutcome, { status: 'rejected' }>;

/** The failedReason of a rejected command's job: for people reading Bull Board, never parsed. */
export function rejectionMessage(code: string, reason: string): string {
  return `rejected [${code}]: ${reason}`;
}

/**
 * A rejected outcome as kept on a job; undefined when there is none or it is not one (anything can
 * write to Redis, so the shape is checked).
 */
export function parseRejectedOutcome(json: string | null | undefined): RejectedOutcome | undefined {
  if (!json) return undefined;
  let value: Partial<RejectedOutcome>;
  try {
    value = JSON.parse(json) as Partial<RejectedOutcome>;
  } catch {
    return undefined;
  }
  const { commandId, aggregateId, status, code, reason, actualVersion } = value ?? {};
  if (status !== 'rejected' || typeof commandId !== 'string' || typeof aggregateId !== 'string' || typeof code !== 'string' || typeof reason !== 'string') {
    return undefined;
  }
  return { commandId, aggregateId, status, code, reason, ...(Number.isSafeInteger(actualVersion) ? { actualVersion } : {}) };
}

/**
 * The outcome the store recorded. processed_commands keeps no version for a rejection, so a
 * concurrency rejection read from there has no actualVersion (the job's copy has it while Redis
 * keeps the job).
 */
export function outcomeFromRecord(record: ProcessedCommand): CommandOutcome {
  return record.status === 'accepted'
    ? { commandId: record.commandId, aggregateId: record.aggregateId, status: 'accepted', version: record.version, eventIds: record.eventIds }
    : { commandId: record.commandId, aggregateId: record.aggregateId, status: 'rejected', code: record.code, reason: record.reason };
}
