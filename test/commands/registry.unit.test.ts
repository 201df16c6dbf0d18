import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { toCommandJob } from '../../src/commands/gate/command-job.ts';
import { InvalidCommandPayloadError, UnknownCommandTypeError } from '../../src/commands/domain/errors.ts';
import { InvalidCommandIdError } from '../../src/commands/gate/errors.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { exampleDomain, Order } from '../../examples/orders/domain/index.ts';
import { InvalidAggregateIdError, InvalidInputError, PayloadTooLargeError } from '../../src/errors.ts';

describe('CommandRegistry', () => {
  it('maps command types to their aggregate', () => {
    assert.equal(exampleDomain.aggregateFor('CancelOrder').type, 'Order');
    assert.equal(exampleDomain.aggregateFor('OpenUserAccount').type, 'UserAccount');
  });

  it('names the known types when the command type is unknown', () => {
    assert.throws(() => exampleDomain.aggregateFor('ShipOrder'), (e: unknown) => e instanceof UnknownCommandTypeError && /ShipOrder.*CreateOrder/.test(e.message));
  });

  it('names each schema problem of a payload', () => {
    assert.throws(
      () => exampleDomain.validate('CreateOrder', { customerId: 1 }),
      (e: unknown) => e instanceof InvalidCommandPayloadError && e.issues.length === 2 && /customerId/.test(e.message) && /total/.test(e.message),
    );
  });

  it('refuses two aggregates that handle the same command type', () => {
    const copy = { ...Order, type: 'OtherOrder' };
    assert.throws(() => new CommandRegistry([Order, copy]), /CreateOrder is handled by both Order and OtherOrder/);
  });

  it('refuses command type names that cannot be stored', () => {
    const bad = { ...Order, type: 'Bad', commands: { 'create order': z.object({}) } };
    assert.throws(() => new CommandRegistry([bad]), InvalidInputError);
  });
});

describe('toCommandJob (send-time validation)', () => {
  const ok = { type: 'CreateOrder', aggregateId: 'order-1', payload: { customerId: 'c', total: 1 } };

  it('fills in a command id and the aggregate type', () => {
    const job = toCommandJob(ok, exampleDomain, 1000);
    assert.match(job.commandId, /^[0-9a-f-]{36}$/);
    assert.equal(job.aggregateType, 'Order');
  });

  it('refuses missing, empty and control-character aggregate ids', () => {
    for (const aggregateId of [undefined, '', '   ', 'a\nb', 'x'.repeat(201)]) {
      assert.throws(() => toCommandJob({ ...ok, aggregateId: aggregateId as string }, exampleDomain, 1000), InvalidAggregateIdError);
    }
  });

  it('refuses command ids that cannot be job ids', () => {
    for (const commandId of ['', 'a:b', '123', 'x'.repeat(129), 'with space']) {
      assert.throws(() => toCommandJob({ ...ok, commandId }, exampleDomain, 1000), InvalidCommandIdError);
    }
  });

  it('refuses a payload over the size limit', () => {
    const big = { ...ok, type: 'CancelOrder', payload: { reason: 'x'.repeat(400) } };
    assert.throws(() => toCommandJob(big, exampleDomain, 300), (e: unknown) => e instanceof PayloadTooLargeError && e.limit === 300);
  });

  it('refuses a bad expected version and bad metadata', () => {
    assert.throws(() => toCommandJob({ ...ok, expectedVersion: -1 }, exampleDomain, 1000), /expectedVersion/);
    assert.throws(() => toCommandJob({ ...ok, metadata: { extra: { a: 1 } } as never }, exampleDomain, 1000), /metadata.extra/);
  });
});
