import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Order } from '../domain/order.ts';
import { deciderSpec } from '../../../test/domain/decider-spec.ts';

const spec = deciderSpec(Order);
const created = { type: 'OrderCreated', data: { customerId: 'c-1', total: 42 } };
const cancelled = { type: 'OrderCanceled', data: { reason: 'changed my mind' } };

describe('Order', () => {
  it('creates an order that does not exist yet', () => {
    spec.given([]).when('CreateOrder', { customerId: 'c-1', total: 42 }).then([created]);
  });

  it('refuses to create an order twice', () => {
    spec.given([created]).when('CreateOrder', { customerId: 'c-2', total: 1 }).thenRejects(/already exists/);
  });

  it('updates the status of an open order', () => {
    spec.given([created]).when('UpdateOrderStatus', { status: 'paid' }).then([{ type: 'OrderStatusUpdated', data: { status: 'paid' } }]);
  });

  it('refuses a status change of an order that does not exist', () => {
    spec.given([]).when('UpdateOrderStatus', { status: 'paid' }).thenRejects(/does not exist/);
  });

  it('refuses a status change of a cancelled order', () => {
    spec.given([created, cancelled]).when('UpdateOrderStatus', { status: 'shipped' }).thenRejects(/is cancelled, so it cannot change its status/);
  });

  it('cancels an open order, but not twice', () => {
    spec.given([created]).when('CancelOrder', { reason: 'changed my mind' }).then([cancelled]);
    spec.given([created, cancelled]).when('CancelOrder', { reason: 'again' }).thenRejects(/is cancelled/);
  });

  it('folds its events into a state', () => {
    const state = [created, { type: 'OrderStatusUpdated', data: { status: 'paid' } }].reduce(Order.evolve, Order.initialState());
    assert.deepEqual(state, { kind: 'open', customerId: 'c-1', total: 42, status: 'paid', statusChanges: 1 });
  });

  it('has payload schemas that refuse wrong fields', () => {
    assert.equal(Order.commands.CreateOrder!.safeParse({ customerId: 'c', total: -1 }).success, false);
    assert.equal(Order.commands.CreateOrder!.safeParse({ customerId: '', total: 1 }).success, false);
    assert.equal(Order.commands.UpdateOrderStatus!.safeParse({ status: 'lost' }).success, false);
    assert.equal(Order.commands.CancelOrder!.safeParse({ reason: 'x', extra: 1 }).success, false);
  });
});
