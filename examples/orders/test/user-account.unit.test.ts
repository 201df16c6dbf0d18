import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserAccount } from '../domain/user-account.ts';
import { deciderSpec } from '../../../test/domain/decider-spec.ts';

const spec = deciderSpec(UserAccount);
const opened = { type: 'UserAccountOpened', data: { email: 'ada@example.com' } };
const closed = { type: 'UserAccountClosed', data: { reason: 'left' } };

describe('UserAccount', () => {
  it('opens an account once', () => {
    spec.given([]).when('OpenUserAccount', { email: 'ada@example.com' }).then([opened]);
    spec.given([opened]).when('OpenUserAccount', { email: 'ada@example.com' }).thenRejects(/already opened/);
  });

  it('closes an open account once', () => {
    spec.given([opened]).when('CloseUserAccount', { reason: 'left' }).then([closed]);
    spec.given([opened, closed]).when('CloseUserAccount', { reason: 'again' }).thenRejects(/already closed/);
  });

  it('refuses to close an account that does not exist', () => {
    spec.given([]).when('CloseUserAccount', { reason: 'left' }).thenRejects(/does not exist/);
  });

  it('refuses an invalid e-mail address', () => {
    assert.equal(UserAccount.commands.OpenUserAccount!.safeParse({ email: 'not-an-address' }).success, false);
  });
});
