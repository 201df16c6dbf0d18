import { z } from 'zod';
import type { AggregateDefinition, DomainEvent } from '../../../src/commands/domain/aggregate.ts';
import { DomainRejectionError } from '../../../src/commands/domain/errors.ts';

/** The example UserAccount aggregate: opened once with an e-mail address, closed once. */

export type UserAccountState =
  | { kind: 'none' }
  | { kind: 'open'; email: string }
  | { kind: 'closed'; email: string; reason: string };

export const UserAccount: AggregateDefinition<UserAccountState> = {
  type: 'UserAccount',
  commands: {
    OpenUserAccount: z.object({ email: z.email().max(320) }).strict(),
    CloseUserAccount: z.object({ reason: z.string().trim().min(1).max(500) }).strict(),
  },

  initialState: () => ({ kind: 'none' }),

  decide(state, command): DomainEvent[] {
    switch (command.type) {
      case 'OpenUserAccount':
        if (state.kind !== 'none') throw new DomainRejectionError(`user account ${command.aggregateId} was already opened`);
        return [{ type: 'UserAccountOpened', data: { email: command.payload.email } }];
      case 'CloseUserAccount':
        if (state.kind === 'none') throw new DomainRejectionError(`user account ${command.aggregateId} does not exist`);
        if (state.kind === 'closed') throw new DomainRejectionError(`user account ${command.aggregateId} is already closed`);
        return [{ type: 'UserAccountClosed', data: { reason: command.payload.reason } }];
      default:
        throw new DomainRejectionError(`UserAccount does not handle ${command.type}`);
    }
  },

  evolve(state, event): UserAccountState {
    switch (event.type) {
      case 'UserAccountOpened':
        return { kind: 'open', email: event.data.email };
      case 'UserAccountClosed':
        return state.kind === 'open' ? { kind: 'closed', email: state.email, reason: event.data.reason } : state;
      default:
        return state;
    }
  },
};
