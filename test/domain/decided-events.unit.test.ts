import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { checkDecidedEvents } from '../../src/commands/domain/decided-events.ts';
import { InvalidDecidedEventError } from '../../src/commands/domain/errors.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { Order } from '../../examples/orders/domain/index.ts';

const Shop = {
  type: 'Shop',
  events: {
    Opened: z.object({ name: z.string(), tags: z.array(z.string()).default([]) }),
    Closed: z.object({}).strict(),
  },
};

function refused(decided: unknown, pattern: RegExp) {
  assert.throws(() => checkDecidedEvents(Shop, decided), (error: unknown) => {
    assert.ok(error instanceof InvalidDecidedEventError, `got ${String(error)}`);
    assert.equal(error.code, 'invalid_decided_event');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('checkDecidedEvents', () => {
  it('passes declared events with matching data, as their schema outputs them', () => {
    const checked = checkDecidedEvents(Shop, [{ type: 'Opened', data: { name: 'corner' } }, { type: 'Closed', data: {} }]);
    assert.deepEqual(checked, [{ type: 'Opened', data: { name: 'corner', tags: [] } }, { type: 'Closed', data: {} }]);
  });

  it('refuses an event type the aggregate does not declare, naming it and the declared ones', () => {
    refused([{ type: 'Opened', data: { name: 'a' } }, { type: 'Renamed', data: {} }], /^Shop\.decide returned event "Renamed", which it does not declare \(declared: Opened, Closed\)$/);
  });

  it('does not take an Object.prototype member for a declared event', () => {
    refused([{ type: 'toString', data: {} }], /"toString", which it does not declare/);
  });

  it('refuses data that does not match the schema, naming the event and each problem', () => {
    refused([{ type: 'Opened', data: { name: 7 } }], /^Shop\.decide returned event Opened with data that does not match its schema: name: .*expected string/);
    refused([{ type: 'Closed', data: { why: 'x' } }], /event Closed with data that does not match its schema: \(data\): Unrecognized key: "why"/);
  });

  it('refuses what is not an array of events', () => {
    refused(undefined, /^Shop\.decide returned undefined, not an array of events$/);
    refused({ type: 'Closed', data: {} }, /returned an object, not an array of events/);
    refused([null], /returned null at index 0, not an event/);
    refused([{ data: {} }], /returned an object at index 0, not an event/);
  });

  it('checks nothing more for an aggregate without event schemas', () => {
    const events = [{ type: 'Anything', data: { x: 1 } }];
    assert.deepEqual(checkDecidedEvents({ type: 'Loose' }, events), events);
  });
});

describe('CommandRegistry with event schemas', () => {
  it('refuses an event type name that cannot be stored', () => {
    assert.throws(() => new CommandRegistry([{ ...Order, events: { 'order created': z.object({}) } }]), (error: unknown) => error instanceof InvalidInputError && /event type of Order/.test(error.message));
  });
});
