import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainRejectionError, UnknownCommandTypeError } from '../../src/commands/domain/errors.ts';
import { CommandFailedError } from '../../src/commands/gate/errors.ts';
import { ConcurrencyError, EventStoreError, InvalidAggregateIdError, MigrationError, PayloadTooLargeError } from '../../src/errors.ts';
import { isLoopback } from '../../src/http/auth.ts';
import { toResponse } from '../../src/http/error-handler.ts';
import { exposureWarning } from '../../src/http/server.ts';
import { toEventView } from '../../src/http/event-view.ts';
import type { RecordedEvent } from '../../src/store/types.ts';

describe('error responses', () => {
  it('maps typed errors to their status with their code and message', () => {
    const cases: Array<[Error, number, string]> = [
      [new InvalidAggregateIdError('aggregate id is empty'), 400, 'invalid_aggregate_id'],
      [new UnknownCommandTypeError('X', ['CreateOrder']), 400, 'unknown_command_type'],
      [new PayloadTooLargeError('payload', 10, 5), 413, 'payload_too_large'],
      [new ConcurrencyError('o-1', 1, 2), 409, 'concurrency'],
      [new DomainRejectionError('cancelled orders stay cancelled'), 422, 'domain'],
      [new CommandFailedError('c-1', 'retries exhausted'), 502, 'command_failed'],
    ];
    for (const [error, status, code] of cases) {
      const response = toResponse(error);
      assert.equal(response.status, status, error.name);
      assert.deepEqual(response.body, { error: code, message: error.message });
    }
  });

  it('never shows the message of an unexpected error: it may hold SQL, hosts or secrets', () => {
    for (const error of [
      new Error('password authentication failed for postgres://app:hunter2@db/prod'),
      new MigrationError('relation "x" does not exist'),
      new EventStoreError('internal detail'),
    ]) {
      const response = toResponse(error);
      assert.equal(response.status, 500);
      assert.equal(response.body.error, 'internal');
      assert.ok(!response.body.message.includes(error.message));
    }
  });
});

describe('event view', () => {
  const event = (data: string, contentType: string): RecordedEvent => ({
    eventId: 'e-1',
    aggregateId: 'o-1',
    aggregateType: 'Order',
    eventType: 'OrderCreated',
    eventVersion: 1,
    data: Buffer.from(data),
    contentType,
    metadata: { correlationId: 'c-1' },
    occurredAt: new Date('2026-01-01T00:00:00Z'),
    globalPosition: 7,
    transactionId: 99,
  });

  it('decodes JSON payloads and shows anything else as base64', () => {
    assert.deepEqual(toEventView(event('{"a":1}', 'application/json')).data, { a: 1 });
    assert.deepEqual(toEventView(event('{"a":1}', 'application/cloudevents+json; charset=utf-8')).data, { a: 1 });
    const binary = toEventView(event('\x00\x01', 'application/octet-stream'));
    assert.equal(binary.data, undefined);
    assert.equal(binary.dataBase64, Buffer.from('\x00\x01').toString('base64'));
    const broken = toEventView(event('{not json', 'application/json'));
    assert.equal(broken.dataBase64, Buffer.from('{not json').toString('base64'));
    assert.equal(toEventView(event('{}', 'application/json')).version, 1);
  });
});

describe('the start-up warning about an open API', () => {
  it('tells loopback hosts from the rest', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com']) assert.equal(isLoopback(host), false, host);
  });

  it('warns loudly when no token is set and the server listens beyond loopback, and only then', () => {
    assert.match(exposureWarning({ host: '0.0.0.0', port: 3000, apiToken: undefined })!, /^NO API_TOKEN SET and HOST=0\.0\.0\.0/);
    assert.equal(exposureWarning({ host: '0.0.0.0', port: 3000, apiToken: 't' }), undefined);
    assert.equal(exposureWarning({ host: '127.0.0.1', port: 3000, apiToken: undefined }), undefined);
  });
});
