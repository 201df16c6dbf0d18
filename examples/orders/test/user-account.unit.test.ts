import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventOf } from '../../../src/commands/domain/define-aggregate.ts';
import { DeciderSpecification } from '../../../src/testing.ts';
import { UserAccount } from '../domain/user-account.ts';

const spec = DeciderSpecification.for(UserAccount);
const opened: EventOf<typeof UserAccount> = { type: 'UserAccountOpened', data: { email: 'ada@example.com' } };
const closed: EventOf<typeof UserAccount> = { type: 'UserAccountClosed', data: { reason: 'left' } };

describe('UserAccount', () => {
  it('opens an account once', () => {
    spec.when({ type: 'OpenUserAccount', payload: { email: 'ada@example.com' } }).then([opened]);
    spec.given([opened]).when({ type: 'OpenUserAccount', payload: { email: 'ada@example.com' } }).thenRejects(/already opened/);
  });

  it('closes an open account once', () => {
    spec.given([opened]).when({ type: 'CloseUserAccount', payload: { reason: 'left' } }).then([closed]);
    spec.given([opened, closed]).when({ type: 'CloseUserAccount', payload: { reason: 'again' } }).thenRejects(/already closed/);
  });

  it('refuses to close an account that does not exist', () => {
    spec.given([]).when({ type: 'CloseUserAccount', payload: { reason: 'left' } }).thenRejects(/does not exist/);
  });

  it('refuses an invalid e-mail address', () => {
    assert.equal(UserAccount.commands.OpenUserAccount.safeParse({ email: 'not-an-address' }).success, false);
  });
});
