import { z } from 'zod';
import { defineAggregate } from '../../../src/commands/domain/define-aggregate.ts';
import { DomainRejectionError } from '../../../src/commands/domain/errors.ts';

/** The example UserAccount aggregate: opened once with an e-mail address, closed once. */

export type UserAccountState =
  | { kind: 'none' }
  | { kind: 'open'; email: string }
  | { kind: 'closed'; email: string; reason: string };

export const UserAccount = defineAggregate({
  type: 'UserAccount',
  commands: {
    OpenUserAccount: z.object({ email: z.email().max(320) }).strict(),
    CloseUserAccount: z.object({ reason: z.string().trim().min(1).max(500) }).strict(),
  },
  events: {
    UserAccountOpened: z.object({ email: z.string() }).strict(),
    UserAccountClosed: z.object({ reason: z.string() }).strict(),
  },

  initialState: (): UserAccountState => ({ kind: 'none' }),

  decide(state, command) {
    switch (command.type) {
      case 'OpenUserAccount':
        if (state.kind !== 'none') throw new DomainRejectionError(`user account ${command.aggregateId} was already opened`);
        return [{ type: 'UserAccountOpened', data: { email: command.payload.email } }];
      case 'CloseUserAccount':
        if (state.kind === 'none') throw new DomainRejectionError(`user account ${command.aggregateId} does not exist`);
        if (state.kind === 'closed') throw new DomainRejectionError(`user account ${command.aggregateId} is already closed`);
        return [{ type: 'UserAccountClosed', data: { reason: command.payload.reason } }];
      default: // unreachable through the registry, which routes only these types here; guards direct calls
        throw new DomainRejectionError(`UserAccount does not handle ${(command as { type: string }).type}`);
    }
  },

  evolve(state, event): UserAccountState {
    switch (event.type) {
      case 'UserAccountOpened':
        return { kind: 'open', email: event.data.email };
      case 'UserAccountClosed':
        return state.kind === 'open' ? { kind: 'closed', email: state.email, reason: event.data.reason } : state;
      default:
        return state; // stored events are not checked: one of a newer version of the domain is ignored, not fatal
    }
  },
});
