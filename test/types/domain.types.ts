/**
 * Type-level tests of defineAggregate and DeciderSpecification: compiled by the type check
 * (`tsc --noEmit -p .`, which `npm test` runs first), never executed. Each @ts-expect-error must
 * be an error: tsc fails on one that is not.
 */
import { z } from 'zod';
import type { AggregateDefinition } from '../../src/commands/domain/aggregate.ts';
import { defineAggregate, type CommandOf, type EventOf, type StateOf } from '../../src/commands/domain/define-aggregate.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { DeciderSpecification } from '../../src/testing.ts';
import { Order, UserAccount, type OrderState } from '../../examples/orders/domain/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

type CounterState = { count: number };
const commands = { Add: z.object({ amount: z.number().int() }), Reset: z.object({ note: z.string().optional() }) };
const events = { Added: z.object({ amount: z.number() }), ResetDone: z.object({}) };

const Counter = defineAggregate({
  type: 'Counter',
  commands,
  events,
  initialState: (): CounterState => ({ count: 0 }),
  decide(state, command) {
    switch (command.type) {
      case 'Add':
        expectType<Equal<typeof command.payload, { amount: number }>>();
        return [{ type: 'Added', data: { amount: command.payload.amount } }];
      case 'Reset':
        return state.count === 0 ? [] : [{ type: 'ResetDone', data: {} }];
    }
  },
  evolve(state, event): CounterState {
    switch (event.type) {
      case 'Added':
        expectType<Equal<typeof event.data, { amount: number }>>();
        return { count: state.count + event.data.amount };
      case 'ResetDone':
        return { count: 0 };
      default:
        return state;
    }
  },
});

// What users name: the state, the command union, the event union.
expectType<Equal<StateOf<typeof Counter>, CounterState>>();
expectType<Equal<CommandOf<typeof Counter>['type'], 'Add' | 'Reset'>>();
expectType<Equal<EventOf<typeof Order>['type'], 'OrderCreated' | 'OrderStatusUpdated' | 'OrderCanceled'>>();
expectType<Equal<StateOf<typeof Order>, OrderState>>();

// Defined aggregates are what the registry and the worker run.
export const registry = new CommandRegistry([Counter, Order, UserAccount]);
export const runtime: AggregateDefinition<CounterState> = Counter;

export const misspeltPayloadField = defineAggregate({
  type: 'A1', commands, events,
  initialState: (): CounterState => ({ count: 0 }),
  decide(_state, command) {
    if (command.type !== 'Add') return [];
    // @ts-expect-error -- the payload has `amount`, not `amout`
    return [{ type: 'Added', data: { amount: command.payload.amout } }];
  },
  evolve: (state): CounterState => state,
});

export const wrongPayloadType = defineAggregate({
  type: 'A2', commands, events,
  initialState: (): CounterState => ({ count: 0 }),
  decide(_state, command) {
    if (command.type !== 'Reset') return [];
    // @ts-expect-error -- `note` is a string (or undefined), not a number
    const note: number = command.payload.note;
    return note ? [] : [];
  },
  evolve: (state): CounterState => state,
});

export const unknownEventType = defineAggregate({
  type: 'A3', commands, events,
  initialState: (): CounterState => ({ count: 0 }),
  // @ts-expect-error -- no event type `Subtracted` is declared (reported on decide, whose return type is inferred in the generic call)
  decide(_state, _command) {
    return [{ type: 'Subtracted', data: { amount: 1 } }];
  },
  evolve: (state): CounterState => state,
});

export const wrongEventData = defineAggregate({
  type: 'A4', commands, events,
  initialState: (): CounterState => ({ count: 0 }),
  // @ts-expect-error -- Added's amount is a number
  decide(_state, _command) {
    return [{ type: 'Added', data: { amount: 'one' } }];
  },
  evolve: (state): CounterState => state,
});

export const missingEventField = defineAggregate({
  type: 'A5', commands, events,
  initialState: (): CounterState => ({ count: 0 }),
  // @ts-expect-error -- Added needs its amount
  decide(_state, _command) {
    return [{ type: 'Added', data: {} }];
  },
  evolve: (state): CounterState => state,
});

export const evolveUnknownEvent = defineAggregate({
  type: 'A6', commands, events,
  initialState: (): CounterState => ({ count: 0 }),
  decide: () => [],
  evolve(state, event): CounterState {
    switch (event.type) {
      // @ts-expect-error -- no event type `Subtracted` is declared
      case 'Subtracted':
        return { count: state.count - 1 };
      default:
        return state;
    }
  },
});

export const evolveMisreadsData = defineAggregate({
  type: 'A7', commands, events,
  initialState: (): CounterState => ({ count: 0 }),
  decide: () => [],
  // @ts-expect-error -- Added's data has `amount`, not `value`
  evolve: (state, event): CounterState => (event.type === 'Added' ? { count: event.data.value } : state),
});

// Without event schemas, events are untyped: their data must be narrowed before use.
export const untypedEvents = defineAggregate({
  type: 'A8', commands,
  initialState: (): CounterState => ({ count: 0 }),
  decide: () => [{ type: 'Anything', data: 1 }],
  evolve(state, event): CounterState {
    expectType<Equal<typeof event, { readonly type: string; readonly data: unknown }>>();
    // @ts-expect-error -- data is unknown
    return { count: event.data.amount };
  },
});

// The testing helper takes the aggregate's own commands and events only.
const orders = DeciderSpecification.for(Order);
export function specifications(): void {
  orders.given([{ type: 'OrderCreated', data: { customerId: 'c', total: 1 } }]).when({ type: 'CancelOrder', payload: { reason: 'r' } }).thenRejects(/x/);
  // @ts-expect-error -- OpenUserAccount is a UserAccount command
  orders.given([]).when({ type: 'OpenUserAccount', payload: { email: 'a@example.com' } });
  // @ts-expect-error -- CancelOrder's payload has a reason
  orders.when({ type: 'CancelOrder', payload: { because: 'r' } });
  // @ts-expect-error -- the payload of UpdateOrderStatus is not one of CancelOrder
  orders.when({ type: 'CancelOrder', payload: { status: 'paid' } });
  // @ts-expect-error -- UserAccountOpened is a UserAccount event
  orders.given([{ type: 'UserAccountOpened', data: { email: 'a@example.com' } }]);
  // @ts-expect-error -- OrderCreated's total is a number
  orders.when({ type: 'CreateOrder', payload: { customerId: 'c', total: 1 } }).then([{ type: 'OrderCreated', data: { customerId: 'c', total: '1' } }]);
}

// A plain AggregateDefinition (no schemas typed) still works with the helper, untyped.
const Plain: AggregateDefinition<number> = {
  type: 'Plain',
  commands: { Bump: z.object({}) },
  initialState: () => 0,
  decide: () => [{ type: 'Bumped', data: null }],
  evolve: (n) => n + 1,
};
export const plain = DeciderSpecification.for(Plain).when({ type: 'Bump', payload: {} });
