import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  decodeCommand,
  decodeEvent,
  decodeOutcome,
  encodeCommand,
  encodeEvent,
  encodeOutcome,
} from '../../src/envelope/codec.ts';
import { InvalidEnvelopeError } from '../../src/errors.ts';
import type { RecordedEvent } from '../../src/store/types.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

const event: RecordedEvent = {
  eventId: '0b7e4a34-0a39-4d53-9d6a-8d3c1e0f2a10',
  aggregateId: 'order-1',
  aggregateType: 'Order',
  eventType: 'OrderCreated',
  eventVersion: 3,
  data: Buffer.from('{"total":10}'),
  contentType: 'application/json',
  metadata: { correlationId: 'corr', causationId: 'cause', extra: { tenant: 'acme' } },
  occurredAt: new Date('2026-11-26T10:00:00.123Z'),
  globalPosition: 12345678901,
  transactionId: 4294967297,
};

describe('event envelope', () => {
  it('round-trips every field', () => {
    const decoded = decodeEvent(encodeEvent(event));
    assert.deepEqual({ ...decoded, data: Buffer.from(decoded.data) }, event);
  });

  it('reads an envelope written by protoc, outside the project', () => {
    const decoded = decodeEvent(fixture('event-envelope.bin'));
    assert.equal(decoded.eventId, '6f1c1c2e-8f5e-4b8e-9d3c-2a7f7b2f6c11');
    assert.equal(decoded.aggregateId, 'order-42');
    assert.equal(decoded.aggregateType, 'Order');
    assert.equal(decoded.eventType, 'OrderCreated');
    assert.equal(decoded.eventVersion, 1);
    assert.deepEqual(JSON.parse(Buffer.from(decoded.data).toString()), { customerId: 'c-7', total: 99.5 });
    assert.deepEqual(decoded.metadata, { correlationId: 'req-1', causationId: 'cmd-1', extra: { tenant: 'acme' } });
    assert.equal(decoded.occurredAt.toISOString(), '2025-11-24T16:00:00.250Z');
    assert.equal(decoded.globalPosition, 17);
    assert.equal(decoded.transactionId, 901);
  });

  it('refuses bytes that are not an envelope', () => {
    assert.throws(() => decodeEvent(Buffer.from('not protobuf at all, just text')), InvalidEnvelopeError);
    assert.throws(() => decodeEvent(new Uint8Array()), /no bytes/);
    const truncated = encodeEvent(event).subarray(0, 20);
    assert.throws(() => decodeEvent(truncated), InvalidEnvelopeError);
  });

  it('refuses a well-formed message that lacks what readers rely on', () => {
    const noType = encodeEvent({ ...event, eventType: '' });
    assert.throws(() => decodeEvent(noType), /missing eventType/);
    const noVersion = encodeEvent({ ...event, eventVersion: 0 });
    assert.throws(() => decodeEvent(noVersion), /event_version/);
  });
});

describe('command envelope', () => {
  const command = {
    commandId: 'cmd-9',
    commandType: 'CreateOrder',
    aggregateId: 'order-9',
    payload: Buffer.from('{"customerId":"c","total":1}'),
    contentType: 'application/json',
    metadata: { correlationId: 'c1' },
    issuedAt: new Date('2026-01-01T00:00:00.000Z'),
  };

  it('round-trips, telling "no expected version" from "expected version 0"', () => {
    const none = decodeCommand(encodeCommand(command));
    assert.equal('expectedVersion' in none, false);
    assert.equal(decodeCommand(encodeCommand({ ...command, expectedVersion: 0 })).expectedVersion, 0);
    assert.equal(decodeCommand(encodeCommand({ ...command, expectedVersion: 7 })).expectedVersion, 7);
    assert.deepEqual(Buffer.from(none.payload), command.payload);
    assert.deepEqual(none.issuedAt, command.issuedAt);
  });

  it('refuses a string field that is not UTF-8 instead of replacing what it cannot read', () => {
    const valid = Buffer.from(encodeCommand({ ...command, aggregateId: 'order-XX', metadata: { extra: { tenant: 'YY' } } }));
    const broken = (placeholder: string) => {
      const bytes = Buffer.from(valid);
      bytes.set([0xc3, 0x28], bytes.indexOf(placeholder)); // a lead byte followed by a non-continuation byte
      return bytes;
    };
    assert.equal(decodeCommand(valid).aggregateId, 'order-XX');
    assert.throws(() => decodeCommand(broken('XX')), (e: unknown) => e instanceof InvalidEnvelopeError && /CommandEnvelope.*utf-8/i.test(e.message));
    assert.throws(() => decodeCommand(broken('YY')), InvalidEnvelopeError, 'inside a nested map too');
  });

  it('reads a command written by protoc', () => {
    const decoded = decodeCommand(fixture('command-envelope.bin'));
    assert.equal(decoded.commandType, 'UpdateOrderStatus');
    assert.equal(decoded.expectedVersion, 0);
    assert.deepEqual(JSON.parse(Buffer.from(decoded.payload).toString()), { status: 'shipped' });
  });
});

describe('command outcome', () => {
  it('round-trips accepted and rejected outcomes', () => {
    const accepted = { commandId: 'a', aggregateId: 'x', status: 'accepted' as const, version: 4, eventIds: ['e1', 'e2'] };
    assert.deepEqual(decodeOutcome(encodeOutcome(accepted)), accepted);
    const rejected = { commandId: 'b', aggregateId: 'x', status: 'rejected' as const, code: 'concurrency', reason: 'no', actualVersion: 3 };
    assert.deepEqual(decodeOutcome(encodeOutcome(rejected)), rejected);
  });
});
