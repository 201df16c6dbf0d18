import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainRejectionError } from '../../../src/commands/domain/errors.ts';
import type { EventOf } from '../../../src/commands/domain/define-aggregate.ts';
import { DeciderSpecification } from '../../../src/testing.ts';
import { MAX_TOTAL, Order } from '../domain/order.ts';

const spec = DeciderSpecification.for(Order);
const created: EventOf<typeof Order> = { type: 'OrderCreated', data: { customerId: 'c-1', total: 42 } };
const cancelled: EventOf<typeof Order> = { type: 'OrderCanceled', data: { reason: 'changed my mind' } };

describe('Order', () => {
  it('creates an order that does not exist yet', () => {
    spec.when({ type: 'CreateOrder', payload: { customerId: 'c-1', total: 42 } }).then([created]);
  });

  it('refuses to create an order twice', () => {
    spec.given([created]).when({ type: 'CreateOrder', payload: { customerId: 'c-2', total: 1 } }).thenRejects(/already exists/);
    spec.given([created]).when({ type: 'CreateOrder', payload: { customerId: 'c-2', total: 1 } }).thenRejects(DomainRejectionError);
  });

  it('updates the status of an open order', () => {
    spec.given([created]).when({ type: 'UpdateOrderStatus', payload: { status: 'paid' } }).then([{ type: 'OrderStatusUpdated', data: { status: 'paid' } }]);
  });

  it('refuses a status change of an order that does not exist', () => {
    spec.given([]).when({ type: 'UpdateOrderStatus', payload: { status: 'paid' } }).thenRejects(/does not exist/);
  });

  it('refuses a status change of a cancelled order', () => {
    spec.given([created, cancelled]).when({ type: 'UpdateOrderStatus', payload: { status: 'shipped' } }).thenRejects(/is cancelled, so it cannot change its status/);
  });

  it('cancels an open order, but not twice', () => {
    spec.given([created]).when({ type: 'CancelOrder', payload: { reason: 'changed my mind' } }).then([cancelled]);
    spec.given([created, cancelled]).when({ type: 'CancelOrder', payload: { reason: 'again' } }).thenRejects(/is cancelled/);
  });

  it('folds its events into a state', () => {
    const events: EventOf<typeof Order>[] = [created, { type: 'OrderStatusUpdated', data: { status: 'paid' } }];
    assert.deepEqual(events.reduce(Order.evolve, Order.initialState()), { kind: 'open', customerId: 'c-1', total: 42, status: 'paid', statusChanges: 1 });
  });

  it('has payload schemas that refuse wrong fields', () => {
    assert.equal(Order.commands.CreateOrder.safeParse({ customerId: 'c', total: -1 }).success, false);
    assert.equal(Order.commands.CreateOrder.safeParse({ customerId: '', total: 1 }).success, false);
    assert.equal(Order.commands.UpdateOrderStatus.safeParse({ status: 'lost' }).success, false);
    assert.equal(Order.commands.CancelOrder.safeParse({ reason: 'x', extra: 1 }).success, false);
    // A total the read model's numeric(14, 2) cannot hold is refused at the door, not by the projector.
    assert.equal(Order.commands.CreateOrder.safeParse({ customerId: 'c', total: MAX_TOTAL }).success, true);
    assert.equal(Order.commands.CreateOrder.safeParse({ customerId: 'c', total: 1e308 }).success, false);
  });
});
