import { randomUUID } from 'node:crypto';
import { QueueKeys } from 'bullmq';
import { PayloadTooLargeError } from '../../errors.ts';
import type { EventMetadata } from '../../store/types.ts';
import { validateAggregateId } from '../../store/validation.ts';
import { InvalidCommandError, InvalidCommandIdError } from './errors.ts';
import type { CommandRegistry } from '../domain/registry.ts';

/** A command as a producer hands it to CommandClient.send. */
export interface SendCommand {
  /** Idempotency key and BullMQ job id; default a random UUID. Letters, digits, '_', '-', '.'. */
  commandId?: string;
  type: string;
  aggregateId: string;
  payload: unknown;
  /** Optimistic check: the aggregate must be at this version when the command runs (0: must not exist). */
  expectedVersion?: number;
  metadata?: EventMetadata;
}

/** The BullMQ job data of a command (JSON, so Bull Board shows it as it is). */
export interface CommandJobData {
  commandId: string;
  commandType: string;
  aggregateId: string;
  aggregateType: string;
  payload: unknown;
  expectedVersion?: number;
  metadata: EventMetadata;
  issuedAt: string;
}

const COMMAND_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const METADATA_ID_MAX = 200;

/**
 * Bounds of a command's metadata. It travels with every job and is copied into every event the
 * command causes, so it is small by design: ids and a few tags, not data (that is the payload's).
 */
export const METADATA_LIMITS = {
  /** Entries of metadata.extra. */
  extraKeys: 32,
  /** UTF-8 bytes of one metadata.extra key. */
  keyBytes: 128,
  /** UTF-8 bytes of one metadata.extra value. */
  valueBytes: 1024,
  /** UTF-8 bytes of the whole metadata as JSON. */
  totalBytes: 8 * 1024,
} as const;

/**
 * The command id is the BullMQ job id, and BullMQ keeps a job at `<prefix>:<queue>:<job id>`, next
 * to the queue's own keys (`<prefix>:<queue>:active`, `:meta`, `:events`...). A command id equal to
 * one of those names would turn a queue key into a job hash and stop the whole queue. The list
 * comes from BullMQ's own QueueKeys, so it follows the pinned version; 'waiting' and 'metrics' are
 * named by BullMQ elsewhere (job states, metrics keys). Ids with ':' (the other BullMQ keys, and
 * the gate's) are refused by COMMAND_ID already.
 */
export const RESERVED_COMMAND_IDS: ReadonlySet<string> = new Set([
  ...Object.keys(new QueueKeys().getKeys('q')).filter((name) => name !== ''),
  'waiting',
  'metrics',
]);

/**
 * Validates a command and turns it into job data.
 * @throws UnknownCommandTypeError, InvalidAggregateIdError, InvalidCommandPayloadError,
 *   PayloadTooLargeError, InvalidCommandIdError, InvalidCommandError
 */
export function toCommandJob(command: SendCommand, registry: CommandRegistry, maxCommandBytes: number): CommandJobData {
  if (command === null || typeof command !== 'object') throw new InvalidCommandError('a command must be an object');
  const commandId = command.commandId ?? randomUUID();
  validateCommandId(commandId);
  const { aggregate, payload } = registry.validate(command.type, command.payload);
  validateAggregateId(command.aggregateId);
  const metadata = validateMetadata(command.metadata ?? {});
  // Metadata counts: it is queued with the payload, and copied into every event the command causes.
  const size = Buffer.byteLength(JSON.stringify(payload) ?? '') + Buffer.byteLength(JSON.stringify(metadata));
  if (size > maxCommandBytes) throw new PayloadTooLargeError(`payload and metadata of ${command.type}`, size, maxCommandBytes);
  validateExpectedVersion(command.expectedVersion);
  return {
    commandId,
    commandType: command.type,
    aggregateId: command.aggregateId,
    aggregateType: aggregate.type,
    payload,
    ...(command.expectedVersion === undefined ? {} : { expectedVersion: command.expectedVersion }),
    metadata,
    issuedAt: new Date().toISOString(),
  };
}

/**
 * Re-checks job data a worker dequeued (anything can write to Redis): the same rules as at send
 * time, plus the job id must be the command id.
 * @throws InvalidInputError subclasses naming the problem
 */
export function parseCommandJob(jobId: string | undefined, data: unknown, registry: CommandRegistry): CommandJobData {
  if (data === null || typeof data !== 'object') throw new InvalidCommandError('job data is not an object');
  const job = data as Partial<CommandJobData>;
  if (job.commandId !== jobId) throw new InvalidCommandError(`job id ${JSON.stringify(jobId)} is not the command id ${JSON.stringify(job.commandId)}`);
  const parsed = toCommandJob(
    { commandId: job.commandId, type: job.commandType as string, aggregateId: job.aggregateId as string, payload: job.payload, expectedVersion: job.expectedVersion, metadata: job.metadata },
    registry,
    Number.MAX_SAFE_INTEGER,
  );
  if (job.aggregateType !== parsed.aggregateType) {
    throw new InvalidCommandError(`job says aggregate type ${JSON.stringify(job.aggregateType)}, ${parsed.commandType} belongs to ${parsed.aggregateType}`);
  }
  return { ...parsed, issuedAt: typeof job.issuedAt === 'string' ? job.issuedAt : parsed.issuedAt };
}

export function validateCommandId(commandId: unknown): asserts commandId is string {
  if (typeof commandId !== 'string' || !COMMAND_ID.test(commandId)) {
    throw new InvalidCommandIdError(`command id must be 1 to 128 letters, digits, '_', '-' or '.', got ${JSON.stringify(commandId)}`);
  }
  // BullMQ refuses custom job ids that read as integers (they would collide with its own ids).
  if (/^\d+$/.test(commandId)) throw new InvalidCommandIdError(`command id must not be a plain integer, got "${commandId}"`);
  if (RESERVED_COMMAND_IDS.has(commandId)) {
    throw new InvalidCommandIdError(`command id "${commandId}" is the name of one of the queue's own keys; reserved: ${[...RESERVED_COMMAND_IDS].join(', ')}`);
  }
}

function validateExpectedVersion(expected: unknown): void {
  if (expected === undefined) return;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0) {
    throw new InvalidCommandError(`expectedVersion must be a whole number >= 0, got ${JSON.stringify(expected)}`);
  }
}

function validateMetadata(metadata: unknown): EventMetadata {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new InvalidCommandError('metadata must be an object');
  const { correlationId, causationId, extra } = metadata as EventMetadata;
  for (const [name, value] of Object.entries({ correlationId, causationId })) {
    if (value !== undefined && (typeof value !== 'string' || value.length > METADATA_ID_MAX)) {
      throw new InvalidCommandError(`metadata.${name} must be a string of at most ${METADATA_ID_MAX} characters`);
    }
  }
  if (extra !== undefined) validateExtra(extra);
  const validated = { ...(correlationId ? { correlationId } : {}), ...(causationId ? { causationId } : {}), ...(extra ? { extra } : {}) };
  const bytes = Buffer.byteLength(JSON.stringify(validated));
  if (bytes > METADATA_LIMITS.totalBytes) {
    throw new InvalidCommandError(`metadata is ${bytes} bytes as JSON, over the limit of ${METADATA_LIMITS.totalBytes} bytes`);
  }
  return validated;
}

function validateExtra(extra: unknown): asserts extra is Record<string, string> {
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) throw new InvalidCommandError('metadata.extra must map strings to strings');
  const entries = Object.entries(extra);
  if (entries.length > METADATA_LIMITS.extraKeys) {
    throw new InvalidCommandError(`metadata.extra has ${entries.length} keys, over the limit of ${METADATA_LIMITS.extraKeys}`);
  }
  for (const [key, value] of entries) {
    const shown = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}...` : key);
    if (typeof value !== 'string') throw new InvalidCommandError(`metadata.extra must map strings to strings; ${shown} is ${value === null ? 'null' : typeof value}`);
    if (Buffer.byteLength(key) > METADATA_LIMITS.keyBytes) {
      throw new InvalidCommandError(`metadata.extra key ${shown} is ${Buffer.byteLength(key)} bytes, over the limit of ${METADATA_LIMITS.keyBytes}`);
    }
    if (Buffer.byteLength(value) > METADATA_LIMITS.valueBytes) {
      throw new InvalidCommandError(`metadata.extra[${shown}] is ${Buffer.byteLength(value)} bytes, over the limit of ${METADATA_LIMITS.valueBytes}`);
    }
  }
}
