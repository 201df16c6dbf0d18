import { InvalidInputError } from '../../src/errors.ts';
import type { Queryable } from '../../src/store/event-store.ts';
import type { Projection } from '../../src/projections/projection.ts';
/** An event of the orders domain whose payload is not what its type promises. */
export declare class InvalidOrderEventError extends InvalidInputError {
    readonly code = "invalid_order_event";
}
export interface OrderView {
    orderId: string;
    customerId: string | undefined;
    total: number | undefined;
    status: string;
    cancelReason: string | undefined;
    version: number;
    createdAt: Date | undefined;
    updatedAt: Date;
}
/**
 * The example read model `orders_view` (sql/001_orders_view.sql beside this file): OrderCreated {customerId, total},
 * OrderStatusUpdated {status}, OrderCanceled {reason}; JSON payloads, aggregate type "Order".
 * A batch is folded in memory into one change per order and written with ONE statement, which is
 * what lets rebuilds go at tens of thousands of events a second.
 */
export declare const ordersProjection: Projection;
export declare function getOrder(db: Queryable, orderId: string): Promise<OrderView | undefined>;
