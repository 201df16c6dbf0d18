import { z } from 'zod';
import { defineAggregate } from '../../../src/commands/domain/define-aggregate.ts';
import { DomainRejectionError } from '../../../src/commands/domain/errors.ts';

/** The example Order aggregate: created once, then changes status until it is cancelled. */

/** The largest order total the example's read model can hold (numeric(14, 2)). */
export const MAX_TOTAL = 999_999_999_999.99;

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderState =
  | { kind: 'none' }
  | { kind: 'open'; customerId: string; total: number; status: OrderStatus; statusChanges: number }
  | { kind: 'cancelled'; customerId: string; total: number; reason: string };

const reason = z.string().trim().min(1).max(500);

export const Order = defineAggregate({
  type: 'Order',
  commands: {
    // The orders view keeps totals as numeric(14, 2): a larger one would be accepted here and then
    // refused by the projection.
    CreateOrder: z.object({ customerId: z.string().trim().min(1).max(200), total: z.number().finite().nonnegative().max(MAX_TOTAL) }).strict(),
    UpdateOrderStatus: z.object({ status: z.enum(ORDER_STATUSES) }).strict(),
    CancelOrder: z.object({ reason }).strict(),
  },
  events: {
    OrderCreated: z.object({ customerId: z.string(), total: z.number() }).strict(),
    OrderStatusUpdated: z.object({ status: z.enum(ORDER_STATUSES) }).strict(),
    OrderCanceled: z.object({ reason: z.string() }).strict(),
  },

  initialState: (): OrderState => ({ kind: 'none' }),

  decide(state, command) {
    switch (command.type) {
      case 'CreateOrder':
        if (state.kind !== 'none') throw new DomainRejectionError(`order ${command.aggregateId} already exists`);
        return [{ type: 'OrderCreated', data: { customerId: command.payload.customerId, total: command.payload.total } }];
      case 'UpdateOrderStatus':
        requireOpen(state, command.aggregateId, 'change its status');
        return [{ type: 'OrderStatusUpdated', data: { status: command.payload.status } }];
      case 'CancelOrder':
        requireOpen(state, command.aggregateId, 'be cancelled');
        return [{ type: 'OrderCanceled', data: { reason: command.payload.reason } }];
      default: // unreachable through the registry, which routes only these types here; guards direct calls
        throw new DomainRejectionError(`Order does not handle ${(command as { type: string }).type}`);
    }
  },

  evolve(state, event): OrderState {
    switch (event.type) {
      case 'OrderCreated':
        return { kind: 'open', customerId: event.data.customerId, total: event.data.total, status: 'pending', statusChanges: 0 };
      case 'OrderStatusUpdated':
        return state.kind === 'open' ? { ...state, status: event.data.status, statusChanges: state.statusChanges + 1 } : state;
      case 'OrderCanceled':
        return state.kind === 'none' ? state : { kind: 'cancelled', customerId: state.customerId, total: state.total, reason: event.data.reason };
      default:
        return state; // stored events are not checked: one of a newer version of the domain is ignored, not fatal
    }
  },
});

function requireOpen(state: OrderState, orderId: string, what: string): asserts state is Extract<OrderState, { kind: 'open' }> {
  if (state.kind === 'none') throw new DomainRejectionError(`order ${orderId} does not exist, so it cannot ${what}`);
  if (state.kind === 'cancelled') throw new DomainRejectionError(`order ${orderId} is cancelled, so it cannot ${what}`);
}
