import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { InvalidEnvelopeError } from '../errors.ts';
import type { EventMetadata, RecordedEvent } from '../store/types.ts';

/**
 * Encoding and decoding of the wire messages in proto/eventstore/v1/envelope.proto.
 * Decoding is strict: bytes that do not parse, string fields that are not UTF-8 (protobufjs 8
 * verifies proto3 strings), or a message missing what every reader relies on raise
 * InvalidEnvelopeError with the reason.
 */

const PROTO_FILE = fileURLToPath(new URL('../../proto/eventstore/v1/envelope.proto', import.meta.url));
const root = protobuf.loadSync(PROTO_FILE);
const EventEnvelopeType = root.lookupType('eventstore.v1.EventEnvelope');
const CommandEnvelopeType = root.lookupType('eventstore.v1.CommandEnvelope');
const CommandOutcomeType = root.lookupType('eventstore.v1.CommandOutcome');

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, bytes: Buffer, defaults: true, oneofs: true };

/** A command as it travels from a producer to a worker. */
export interface CommandMessage {
  commandId: string;
  commandType: string;
  aggregateId: string;
  payload: Uint8Array;
  contentType: string;
  /** Absent: no check; 0: the aggregate must not exist yet; N: it must be at version N. */
  expectedVersion?: number;
  metadata: EventMetadata;
  issuedAt: Date;
}

export type CommandOutcome =
  | { commandId: string; aggregateId: string; status: 'accepted'; version: number; eventIds: string[] }
  | { commandId: string; aggregateId: string; status: 'rejected'; code: string; reason: string; actualVersion?: number };

export function encodeEvent(event: RecordedEvent): Uint8Array {
  return EventEnvelopeType.encode(
    EventEnvelopeType.fromObject({
      eventId: event.eventId,
      aggregateId: event.aggregateId,
      aggregateType: event.aggregateType,
      eventType: event.eventType,
      eventVersion: event.eventVersion,
      eventData: event.data,
      contentType: event.contentType,
      metadata: metadataToWire(event.metadata),
      occurredAt: timestampToWire(event.occurredAt),
      globalPosition: event.globalPosition,
      commitTransactionId: event.transactionId,
    }),
  ).finish();
}

export function decodeEvent(bytes: Uint8Array): RecordedEvent {
  const m = decode(EventEnvelopeType, bytes);
  requireFields('EventEnvelope', m, ['eventId', 'aggregateId', 'aggregateType', 'eventType']);
  if (!(m.eventVersion >= 1)) throw new InvalidEnvelopeError('EventEnvelope.event_version must be 1 or more');
  return {
    eventId: m.eventId,
    aggregateId: m.aggregateId,
    aggregateType: m.aggregateType,
    eventType: m.eventType,
    eventVersion: m.eventVersion,
    data: m.eventData,
    contentType: m.contentType || 'application/octet-stream',
    metadata: metadataFromWire(m.metadata),
    occurredAt: timestampFromWire(m.occurredAt),
    globalPosition: m.globalPosition,
    transactionId: m.commitTransactionId,
  };
}

export function encodeCommand(command: CommandMessage): Uint8Array {
  return CommandEnvelopeType.encode(
    CommandEnvelopeType.fromObject({
      commandId: command.commandId,
      commandType: command.commandType,
      aggregateId: command.aggregateId,
      payload: command.payload,
      contentType: command.contentType,
      ...(command.expectedVersion === undefined ? {} : { expectedVersion: command.expectedVersion }),
      metadata: metadataToWire(command.metadata),
      issuedAt: timestampToWire(command.issuedAt),
    }),
  ).finish();
}

export function decodeCommand(bytes: Uint8Array): CommandMessage {
  const m = decode(CommandEnvelopeType, bytes);
  requireFields('CommandEnvelope', m, ['commandType', 'aggregateId']);
  // proto3 `optional`: toObject leaves the field out (even with defaults) when it was not sent.
  const hasExpected = m.expectedVersion !== undefined && m.expectedVersion !== null;
  return {
    commandId: m.commandId,
    commandType: m.commandType,
    aggregateId: m.aggregateId,
    payload: m.payload,
    contentType: m.contentType || 'application/json',
    ...(hasExpected ? { expectedVersion: m.expectedVersion } : {}),
    metadata: metadataFromWire(m.metadata),
    issuedAt: m.issuedAt ? timestampFromWire(m.issuedAt) : new Date(),
  };
}

export function encodeOutcome(outcome: CommandOutcome): Uint8Array {
  const result =
    outcome.status === 'accepted'
      ? { accepted: { version: outcome.version, eventIds: outcome.eventIds } }
      : { rejected: { code: outcome.code, reason: outcome.reason, actualVersion: outcome.actualVersion ?? 0 } };
  return CommandOutcomeType.encode(
    CommandOutcomeType.fromObject({ commandId: outcome.commandId, aggregateId: outcome.aggregateId, ...result }),
  ).finish();
}

export function decodeOutcome(bytes: Uint8Array): CommandOutcome {
  const m = decode(CommandOutcomeType, bytes);
  requireFields('CommandOutcome', m, ['commandId']);
  const base = { commandId: m.commandId, aggregateId: m.aggregateId };
  if (m.result === 'accepted') {
    return { ...base, status: 'accepted', version: m.accepted.version, eventIds: m.accepted.eventIds };
  }
  if (m.result === 'rejected') {
    const { code, reason, actualVersion } = m.rejected;
    return { ...base, status: 'rejected', code, reason, ...(actualVersion ? { actualVersion } : {}) };
  }
  throw new InvalidEnvelopeError('CommandOutcome has neither accepted nor rejected');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a decoded message is checked field by field
type Decoded = Record<string, any>;

function decode(type: protobuf.Type, bytes: Uint8Array): Decoded {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new InvalidEnvelopeError(`${type.name}: no bytes to decode`);
  }
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT);
  } catch (cause) {
    throw new InvalidEnvelopeError(`${type.name}: not a valid protobuf message (${(cause as Error).message})`, { cause });
  }
}

function requireFields(typeName: string, m: Decoded, fields: string[]): void {
  const missing = fields.filter((f) => typeof m[f] !== 'string' || m[f] === '');
  if (missing.length > 0) throw new InvalidEnvelopeError(`${typeName} is missing ${missing.join(', ')}`);
}

function metadataToWire(metadata: EventMetadata) {
  return {
    correlationId: metadata.correlationId ?? '',
    causationId: metadata.causationId ?? '',
    extra: metadata.extra ?? {},
  };
}

function metadataFromWire(m: Decoded | null | undefined): EventMetadata {
  const metadata: EventMetadata = {};
  if (m?.correlationId) metadata.correlationId = m.correlationId;
  if (m?.causationId) metadata.causationId = m.causationId;
  if (m?.extra && Object.keys(m.extra).length > 0) metadata.extra = { ...m.extra };
  return metadata;
}

function timestampToWire(date: Date) {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function timestampFromWire(t: Decoded | null | undefined): Date {
  return new Date(Number(t?.seconds ?? 0) * 1000 + Math.floor(Number(t?.nanos ?? 0) / 1_000_000));
}
