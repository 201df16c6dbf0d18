import type { z } from 'zod';
import type { AggregateDefinition, FailurePolicy, SchemaMap } from './aggregate.ts';

/** Any command or event schemas: what an aggregate without declared schemas is typed with. */
type Untyped = SchemaMap;

/** The commands `decide` receives: one member per command type, the payload as its schema parsed it. */
export type CommandUnion<Commands extends SchemaMap> = {
  [Type in keyof Commands & string]: { readonly type: Type; readonly payload: z.output<Commands[Type]>; readonly aggregateId: string };
}[keyof Commands & string];

/** The events `decide` returns: one member per event type, data its schema accepts. */
export type NewEventUnion<Events extends SchemaMap> = {
  [Type in keyof Events & string]: { readonly type: Type; readonly data: z.input<Events[Type]> };
}[keyof Events & string];

/**
 * The events `evolve` receives: one member per event type, data as its schema outputs it (what
 * the worker stores). Stored events are not checked when they are loaded (old events must keep
 * loading after a schema changes), so `evolve` should still ignore a type it does not know.
 */
export type EventUnion<Events extends SchemaMap> = {
  [Type in keyof Events & string]: { readonly type: Type; readonly data: z.output<Events[Type]> };
}[keyof Events & string];

/**
 * An aggregate typed by its schemas: `decide` gets a union of its commands and must return events
 * of declared types with matching data, `evolve` gets a union of its events. It is an
 * AggregateDefinition, so the registry and the worker run it as is.
 */
export interface TypedAggregate<State, Commands extends SchemaMap, Events extends SchemaMap = Untyped> extends AggregateDefinition<State> {
  type: string;
  commands: Commands;
  /** Absent: events are untyped ({ type: string; data: unknown }) and not checked. */
  events?: Events;
  initialState(): State;
  // NoInfer: the state type comes from initialState alone. What evolve returns is inferred with
  // its literals widened ({ kind: string }) and must not become the state type.
  decide(state: NoInfer<State>, command: CommandUnion<Commands>): readonly NewEventUnion<Events>[];
  evolve(state: NoInfer<State>, event: EventUnion<Events>): NoInfer<State>;
  failurePolicy?: FailurePolicy;
  snapshotEvery?: number;
}

/** The state of an aggregate made with defineAggregate. */
export type StateOf<A> = A extends AggregateDefinition<infer State> ? State : never;
/** The command union of an aggregate (what its `decide` receives). */
export type CommandOf<A> = A extends { commands: infer Commands extends SchemaMap } ? CommandUnion<Commands> : never;
/** The event union of an aggregate (what its `evolve` receives). */
export type EventOf<A> = A extends { events?: infer Events extends SchemaMap } ? EventUnion<Events> : EventUnion<Untyped>;

/**
 * Defines an aggregate whose `decide` and `evolve` are typed by its schemas:
 *
 *   const Order = defineAggregate({
 *     type: 'Order',
 *     commands: { CreateOrder: z.object({ customerId: z.string(), total: z.number() }) },
 *     events: { OrderCreated: z.object({ customerId: z.string(), total: z.number() }) },
 *     initialState: (): OrderState => ({ kind: 'none' }),
 *     decide(state, command) { ... command.payload.total ... return [{ type: 'OrderCreated', data: { ... } }]; },
 *     evolve(state, event): OrderState { switch (event.type) { case 'OrderCreated': ... default: return state; } },
 *   });
 *
 * The state type is taken from `initialState`'s return type: annotate it, and `evolve`'s too (in a
 * generic call TypeScript widens the literals `evolve` returns, { kind: 'open' } to { kind: string },
 * unless its return type is written out). Event data is stored as
 * JSON, so event schemas should describe JSON values (no dates, maps or transforms to class
 * instances): `evolve` receives the data parsed back from JSON.
 */
export function defineAggregate<State, Commands extends SchemaMap, Events extends SchemaMap = Untyped>(
  definition: TypedAggregate<State, Commands, Events>,
): TypedAggregate<State, Commands, Events> {
  return definition;
}
