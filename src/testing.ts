/**
 * Test helpers for users' own domain tests (the package's `/testing` entry point). Not part of the
 * root entry: it imports node:assert.
 */
import assert from 'node:assert/strict';
import type { z } from 'zod';
import type { SchemaMap } from './commands/domain/aggregate.ts';
import { checkDecidedEvents } from './commands/domain/decided-events.ts';
import type { CommandUnion, EventUnion, TypedAggregate } from './commands/domain/define-aggregate.ts';
import { DomainRejectionError } from './commands/domain/errors.ts';
import { CommandRegistry } from './commands/domain/registry.ts';
import { evolveAll } from './commands/worker/aggregate-repository.ts';

/** A command to decide in a specification: its type, the payload as sent (checked by its schema). */
export type SpecifiedCommand<Commands extends SchemaMap> = {
  [Type in keyof Commands & string]: { type: Type; payload: z.input<Commands[Type]>; aggregateId?: string };
}[keyof Commands & string];

/** What `thenRejects` accepts: a pattern the rejection's reason must match, or the rejection's class. */
export type ExpectedRejection = RegExp | (abstract new (...args: never[]) => DomainRejectionError);

/** The outcome of deciding the `when` command, to assert on. */
export interface DeciderThen<Events extends SchemaMap> {
  /** The command decides exactly these events, compared as stored (data through its schema and JSON). */
  then(expected: readonly EventUnion<Events>[]): void;
  /** The command is accepted without events. */
  thenNothing(): void;
  /** decide refuses the command with a DomainRejectionError (of this class, or whose reason matches). */
  thenRejects(expected?: ExpectedRejection): void;
}

const DEFAULT_AGGREGATE_ID = 'aggregate-1';

/**
 * Given / when / then for an aggregate's decider (the Emmett DeciderSpecification shape):
 *
 *   const spec = DeciderSpecification.for(Order);
 *   spec.given([{ type: 'OrderCreated', data: { customerId: 'c-1', total: 42 } }])
 *     .when({ type: 'CancelOrder', payload: { reason: 'changed my mind' } })
 *     .then([{ type: 'OrderCanceled', data: { reason: 'changed my mind' } }]);
 *
 * It takes the path the worker takes: the state is folded from the given events (as stored: through
 * JSON, not checked by their schemas), the payload is checked by its command schema, and the
 * decided events are checked by their event schemas and folded too. Failures throw node:assert's
 * AssertionError, so it runs under any test runner; an error that is not the expected outcome
 * (a bug in decide, an invalid payload) is thrown as it is.
 */
export class DeciderSpecification<State, Commands extends SchemaMap, Events extends SchemaMap> {
  private readonly registry: CommandRegistry;

  private constructor(private readonly aggregate: TypedAggregate<State, Commands, Events>) {
    this.registry = new CommandRegistry([aggregate]);
  }

  static for<State, Commands extends SchemaMap, Events extends SchemaMap>(aggregate: TypedAggregate<State, Commands, Events>): DeciderSpecification<State, Commands, Events> {
    return new DeciderSpecification(aggregate);
  }

  /** The aggregate's past events, oldest first. */
  given(events: readonly EventUnion<Events>[]): { when(command: SpecifiedCommand<Commands>): DeciderThen<Events> } {
    return { when: (command) => this.outcome(events, command) };
  }

  /** A command on an aggregate with no events yet. */
  when(command: SpecifiedCommand<Commands>): DeciderThen<Events> {
    return this.outcome([], command);
  }

  private outcome(given: readonly EventUnion<Events>[], command: SpecifiedCommand<Commands>): DeciderThen<Events> {
    const decide = () => this.decide(given, command);
    return {
      then: (expected) => {
        // `then` makes the outcome a thenable: awaiting it would call then(resolve, reject).
        if (!Array.isArray(expected)) throw new TypeError('then() takes the expected events; a specification is not to be awaited');
        assert.deepStrictEqual(decide(), expected.map(asStored));
      },
      thenNothing: () => {
        const events = decide();
        assert.deepStrictEqual(events, [], `expected ${command.type} to decide no events, but it decided ${JSON.stringify(events)}`);
      },
      thenRejects: (expected) => assertRejected(decide, command.type, expected),
    };
  }

  /** The decided events as the worker would append them. */
  private decide(given: readonly EventUnion<Events>[], command: SpecifiedCommand<Commands>) {
    const { aggregate } = this;
    const state = evolveAll(aggregate, aggregate.initialState(), given);
    const { payload } = this.registry.validate(command.type, command.payload);
    const decided = aggregate.decide(state, { type: command.type, payload, aggregateId: command.aggregateId ?? DEFAULT_AGGREGATE_ID } as CommandUnion<Commands>);
    const events = checkDecidedEvents(aggregate, decided);
    evolveAll(aggregate, state, events); // the worker folds them next: evolve must take them
    return events.map(asStored);
  }
}

function assertRejected(decide: () => unknown, commandType: string, expected: ExpectedRejection | undefined): void {
  let decided: unknown;
  try {
    decided = decide();
  } catch (error) {
    if (!(error instanceof DomainRejectionError)) throw error;
    if (expected instanceof RegExp) assert.match(error.reason, expected);
    else if (expected) assert.ok(error instanceof expected, `expected a ${expected.name}, got a ${error.name}: ${error.reason}`);
    return;
  }
  assert.fail(`expected ${commandType} to be rejected, but it decided ${JSON.stringify(decided)}`);
}

/** An event as a reload from the store gives it back: data through JSON. */
function asStored(event: { type: string; data: unknown }): { type: string; data: unknown } {
  return { type: event.type, data: JSON.parse(JSON.stringify(event.data) ?? 'null') };
}
