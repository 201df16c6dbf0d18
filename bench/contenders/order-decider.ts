/**
 * The domain work every baseline contender does per command: the example domain's Order rules for
 * UpdateOrderStatus (the order must exist and must not be cancelled). Kept to the one command the
 * workload sends so the queueing, not the domain, is what differs between contenders.
 */
export interface OrderState {
  exists: boolean;
  status: string | undefined;
  cancelled: boolean;
}

export interface BenchEvent {
  eventType: string;
  data: Record<string, unknown>;
}

export type Decision = { events: BenchEvent[] } | { rejected: { code: string; reason: string } };

export const initialOrderState = (): OrderState => ({ exists: false, status: undefined, cancelled: false });

export function evolveOrder(state: OrderState, event: BenchEvent): OrderState {
  switch (event.eventType) {
    case 'OrderCreated':
      return { exists: true, status: 'created', cancelled: false };
    case 'OrderStatusUpdated':
      return { ...state, status: String(event.data.status) };
    case 'OrderCanceled':
      return { ...state, cancelled: true };
    default:
      return state;
  }
}

export function decideOrder(state: OrderState, command: { commandType: string; payload: { status: string } }): Decision {
  if (!state.exists) return { rejected: { code: 'ORDER_NOT_FOUND', reason: 'the order does not exist' } };
  if (state.cancelled) return { rejected: { code: 'ORDER_CANCELED', reason: 'a cancelled order cannot change status' } };
  return { events: [{ eventType: 'OrderStatusUpdated', data: { status: command.payload.status } }] };
}
