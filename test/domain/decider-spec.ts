import assert from 'node:assert/strict';
import type { AggregateDefinition, DomainEvent } from '../../src/commands/domain/aggregate.ts';
import { DomainRejectionError } from '../../src/commands/domain/errors.ts';

/**
 * Given / when / then for deciders (the Emmett DeciderSpecification shape): given past events,
 * when a command, then the new events, or then a rejection.
 */
export function deciderSpec<State>(aggregate: AggregateDefinition<State>) {
  return {
    given(events: DomainEvent[]) {
      const state = events.reduce((s, e) => aggregate.evolve(s, e), aggregate.initialState());
      return {
        when(type: string, payload: unknown, aggregateId = 'agg-1') {
          const decide = () => aggregate.decide(state, { type, payload: aggregate.commands[type]!.parse(payload), aggregateId });
          return {
            then(expected: DomainEvent[]) {
              assert.deepEqual(decide(), expected);
            },
            thenRejects(reason: RegExp) {
              assert.throws(decide, (error: unknown) => error instanceof DomainRejectionError && error.code === 'domain' && reason.test(error.reason));
            },
          };
        },
      };
    },
  };
}
