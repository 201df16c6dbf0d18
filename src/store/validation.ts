import {
  EmptyEventListError,
  InvalidAggregateIdError,
  InvalidEventError,
  InvalidExpectedVersionError,
  PayloadTooLargeError,
} from '../errors.ts';
import type { ExpectedVersion, NewEvent } from './types.ts';

/**
 * Checks on what callers hand to the store. They run before any SQL, so bad input is refused
 * with a typed error and nothing is written.
 */

export const MAX_AGGREGATE_ID_LENGTH = 200;
/** Type names may end up in NATS subjects and metric labels: keep them to one plain token. */
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function validateAggregateId(aggregateId: unknown): asserts aggregateId is string {
  if (typeof aggregateId !== 'string') {
    throw new InvalidAggregateIdError(`aggregate id must be a string, got ${typeof aggregateId}`);
  }
  if (aggregateId.trim() === '') throw new InvalidAggregateIdError('aggregate id must not be empty');
  if (aggregateId.length > MAX_AGGREGATE_ID_LENGTH) {
    throw new InvalidAggregateIdError(
      `aggregate id is ${aggregateId.length} characters long, over the limit of ${MAX_AGGREGATE_ID_LENGTH}`,
    );
  }
  if (CONTROL_CHARACTERS.test(aggregateId)) {
    throw new InvalidAggregateIdError('aggregate id must not contain control characters');
  }
  if (!aggregateId.isWellFormed()) throw new InvalidAggregateIdError('aggregate id is not well-formed Unicode');
}

export function validateTypeName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !TYPE_NAME.test(name)) {
    throw new InvalidEventError(
      `${kind} must be a letter followed by up to 99 letters, digits or '_', got ${JSON.stringify(name)}`,
    );
  }
}

/** The SQL encoding of an expected version: -1 any, 0 no stream, N exact. */
export function expectedVersionToSql(expected: unknown): number {
  if (expected === 'any') return -1;
  if (expected === 'no_stream') return 0;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
  throw new InvalidExpectedVersionError(
    `expected version must be 'any', 'no_stream' or a whole number >= 0, got ${JSON.stringify(expected)}`,
  );
}

export function expectedVersionFromSql(expected: number): ExpectedVersion {
  return expected === -1 ? 'any' : expected === 0 ? 'no_stream' : expected;
}

export function validateEvents(events: unknown, maxEventBytes: number): asserts events is NewEvent[] {
  if (!Array.isArray(events)) throw new EmptyEventListError('events must be an array');
  if (events.length === 0) throw new EmptyEventListError('nothing to append: the event list is empty');
  events.forEach((event: NewEvent, i) => validateEvent(event, i, maxEventBytes));
}

function validateEvent(event: NewEvent, index: number, maxEventBytes: number): void {
  const where = `event ${index}`;
  if (event === null || typeof event !== 'object') throw new InvalidEventError(`${where} is not an object`);
  validateTypeName(`${where}: eventType`, event.eventType);
  if (!(event.data instanceof Uint8Array)) throw new InvalidEventError(`${where}: data must be bytes (Uint8Array)`);
  if (event.data.length > maxEventBytes) {
    throw new PayloadTooLargeError(`${where} (${event.eventType}) data`, event.data.length, maxEventBytes);
  }
  if (event.eventId !== undefined && (typeof event.eventId !== 'string' || !UUID.test(event.eventId))) {
    throw new InvalidEventError(`${where}: eventId must be a UUID, got ${JSON.stringify(event.eventId)}`);
  }
  if (event.contentType !== undefined && (typeof event.contentType !== 'string' || event.contentType === '')) {
    throw new InvalidEventError(`${where}: contentType must be a non-empty string`);
  }
  if (event.occurredAt !== undefined && !(event.occurredAt instanceof Date && !Number.isNaN(event.occurredAt.getTime()))) {
    throw new InvalidEventError(`${where}: occurredAt must be a valid Date`);
  }
  const metadataBytes = Buffer.byteLength(JSON.stringify(event.metadata ?? {}));
  if (metadataBytes > maxEventBytes) throw new PayloadTooLargeError(`${where} metadata`, metadataBytes, maxEventBytes);
}
