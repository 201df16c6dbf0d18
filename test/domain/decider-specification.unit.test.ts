import assert, { AssertionError } from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineAggregate } from '../../src/commands/domain/define-aggregate.ts';
import { DomainRejectionError, InvalidCommandPayloadError, InvalidDecidedEventError } from '../../src/commands/domain/errors.ts';
import { DeciderSpecification } from '../../src/testing.ts';

class LimitExceededError extends DomainRejectionError {
  override readonly code = 'limit_exceeded';
}

type Tally = { total: number; seen: unknown[] };

/** A counter up to 10, with a bug switch: `Leak` decides an event it does not declare. */
const Counter = defineAggregate({
  type: 'Counter',
  commands: { Add: z.object({ n: z.number().int() }), Leak: z.object({}), Noop: z.object({}) },
  events: { Added: z.object({ n: z.number().int().positive(), at: z.date().optional() }) },
  initialState: (): Tally => ({ total: 0, seen: [] }),
  decide(state, command) {
    switch (command.type) {
      case 'Add':
        if (state.total + command.payload.n > 10) throw new LimitExceededError(`${state.total} + ${command.payload.n} is over 10`);
        return [{ type: 'Added', data: { n: command.payload.n } }];
      case 'Leak':
        return [{ type: 'Leaked', data: {} }] as never;
      case 'Noop':
        return [];
    }
  },
  evolve: (state, event): Tally => ({ total: state.total + event.data.n, seen: [...state.seen, event.data] }),
});

const spec = DeciderSpecification.for(Counter);
const added = (n: number) => ({ type: 'Added' as const, data: { n } });

describe('DeciderSpecification', () => {
  it('passes when the command decides the expected events, and fails with an AssertionError when not', () => {
    spec.given([added(2)]).when({ type: 'Add', payload: { n: 3 } }).then([added(3)]);
    assert.throws(() => spec.given([added(2)]).when({ type: 'Add', payload: { n: 3 } }).then([added(4)]), AssertionError);
    assert.throws(() => spec.when({ type: 'Add', payload: { n: 3 } }).thenNothing(), AssertionError);
  });

  it('folds the given events as a reload from the store would (through JSON)', () => {
    // A Date in given data comes back a string, as from the store: the state sees what the worker sees.
    const at = new Date('2026-01-01T00:00:00Z');
    const probe = DeciderSpecification.for({ ...Counter, decide: (state) => { assert.deepEqual(state.seen, [{ n: 1, at: at.toISOString() }]); return []; } });
    probe.given([{ type: 'Added', data: { n: 1, at } }]).when({ type: 'Noop', payload: {} }).thenNothing();
  });

  it('checks rejections by reason or by class', () => {
    const over = () => spec.given([added(9)]).when({ type: 'Add', payload: { n: 2 } });
    over().thenRejects();
    over().thenRejects(/9 \+ 2 is over 10/);
    over().thenRejects(LimitExceededError);
    assert.throws(() => over().thenRejects(/under/), AssertionError);
    assert.throws(() => spec.when({ type: 'Add', payload: { n: 2 } }).thenRejects(), (e: unknown) => e instanceof AssertionError && /expected Add to be rejected, but it decided \[\{"type":"Added","data":\{"n":2\}\}\]/.test(e.message));
  });

  it('runs the checks the worker runs: the payload schema and the event schemas', () => {
    assert.throws(() => spec.when({ type: 'Add', payload: { n: 1.5 } }).then([]), InvalidCommandPayloadError);
    assert.throws(() => spec.when({ type: 'Leak', payload: {} }).thenNothing(), InvalidDecidedEventError);
    assert.throws(() => spec.when({ type: 'Leak', payload: {} }).thenRejects(), InvalidDecidedEventError);
    assert.throws(() => spec.when({ type: 'Add', payload: { n: -1 } }).then([added(-1)]), (e: unknown) => e instanceof InvalidDecidedEventError && /Added with data that does not match its schema: n: /.test(e.message));
  });

  it('decides no events when nothing changes', () => {
    spec.given([added(1)]).when({ type: 'Noop', payload: {} }).thenNothing();
    assert.throws(() => spec.when({ type: 'Add', payload: { n: 3 } }).thenNothing(), /expected Add to decide no events, but it decided \[\{"type":"Added","data":\{"n":3\}\}\]/);
  });

  it('says so when a specification is awaited instead of asserted', async () => {
    // TypeScript refuses the await too (TS1320); this is for JavaScript callers and casts.
    const outcome: unknown = spec.when({ type: 'Noop', payload: {} });
    await assert.rejects(async () => await outcome, /a specification is not to be awaited/);
  });
});
