import type pg from 'pg';
import { z } from 'zod';
import { InvalidInputError } from '../../src/errors.ts';
import type { Queryable } from '../../src/store/event-store.ts';
import type { RecordedEvent } from '../../src/store/types.ts';
import { defineProjection, defineQuery } from '../../src/projections/projection.ts';

/** An event of the orders domain whose payload is not what its type promises. */
export class InvalidOrderEventError extends InvalidInputError {
  override readonly code = 'invalid_order_event';
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

/** What a batch of events changes in one order's row (undefined: unchanged). */
interface OrderChange {
  orderId: string;
  customerId?: string;
  total?: number;
  status?: string;
  cancelReason?: string;
  version: number;
  createdAt?: Date;
  updatedAt: Date;
}

const EVENT_TYPES = ['OrderCreated', 'OrderStatusUpdated', 'OrderCanceled'];

/**
 * The example read model `orders_view` (sql/001_orders_view.sql beside this file): OrderCreated {customerId, total},
 * OrderStatusUpdated {status}, OrderCanceled {reason}; JSON payloads, aggregate type "Order".
 * A batch is folded in memory into one change per order and written with ONE statement, which is
 * what lets rebuilds go at tens of thousands of events a second.
 */
export const ordersProjection = defineProjection({
  name: 'orders',
  eventTypes: EVENT_TYPES,
  handle: (event, tx) => applyOrderEvents([event], tx),
  handleBatch: applyOrderEvents,
  reset: async (tx) => {
    await tx.query('TRUNCATE orders_view');
  },
  tables: ['orders_view'],
  migrations: new URL('./sql/', import.meta.url),
  get: getOrder,
  queries: {
    byCustomer: defineQuery({
      description: "A customer's orders, newest first",
      params: z.object({ customerId: z.string().min(1).max(200).describe('the customer whose orders to list') }).strict(),
      run: (db, { customerId }, { limit }) => ordersOfCustomer(db, customerId, limit),
    }),
  },
});

async function applyOrderEvents(events: RecordedEvent[], tx: pg.PoolClient): Promise<void> {
  const changes = new Map<string, OrderChange>();
  for (const event of events) {
    if (event.aggregateType !== 'Order' || !EVENT_TYPES.includes(event.eventType)) continue;
    const change = changes.get(event.aggregateId) ?? { orderId: event.aggregateId, version: 0, updatedAt: event.occurredAt };
    fold(change, event, parsePayload(event));
    changes.set(event.aggregateId, change);
  }
  if (changes.size === 0) return;
  const rows = [...changes.values()];
  await tx.query(
    `INSERT INTO orders_view AS o (order_id, customer_id, total, status, cancel_reason, version, created_at, updated_at)
     SELECT order_id, customer_id, total, COALESCE(status, 'unknown'), cancel_reason, version, created_at, updated_at
     FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::timestamptz[])
       AS c(order_id, customer_id, total, status, cancel_reason, version, created_at, updated_at)
     ON CONFLICT (order_id) DO UPDATE SET
       customer_id = COALESCE(excluded.customer_id, o.customer_id),
       total = COALESCE(excluded.total, o.total),
       status = CASE WHEN excluded.status = 'unknown' THEN o.status ELSE excluded.status END,
       cancel_reason = COALESCE(excluded.cancel_reason, o.cancel_reason),
       version = excluded.version,
       created_at = COALESCE(o.created_at, excluded.created_at),
       updated_at = excluded.updated_at
     WHERE o.version < excluded.version`,
    [
      rows.map((r) => r.orderId),
      rows.map((r) => r.customerId ?? null),
      rows.map((r) => r.total ?? null),
      rows.map((r) => r.status ?? null),
      rows.map((r) => r.cancelReason ?? null),
      rows.map((r) => r.version),
      rows.map((r) => r.createdAt ?? null),
      rows.map((r) => r.updatedAt),
    ],
  );
}

function fold(change: OrderChange, event: RecordedEvent, data: Record<string, unknown>): void {
  change.version = event.eventVersion;
  change.updatedAt = event.occurredAt;
  switch (event.eventType) {
    case 'OrderCreated':
      change.customerId = requireString(event, data, 'customerId');
      change.total = requireNumber(event, data, 'total');
      change.status = 'created';
      change.createdAt = event.occurredAt;
      break;
    case 'OrderStatusUpdated':
      change.status = requireString(event, data, 'status');
      break;
    case 'OrderCanceled':
      change.status = 'canceled';
      change.cancelReason = requireString(event, data, 'reason');
      break;
  }
}

function parsePayload(event: RecordedEvent): Record<string, unknown> {
  if (event.contentType !== 'application/json') {
    throw new InvalidOrderEventError(`${event.eventType} ${event.eventId} has content type ${event.contentType}, expected application/json`);
  }
  try {
    const data = JSON.parse(Buffer.from(event.data).toString('utf8'));
    if (data && typeof data === 'object' && !Array.isArray(data)) return data;
  } catch {
    // reported below
  }
  throw new InvalidOrderEventError(`${event.eventType} ${event.eventId} does not hold a JSON object`);
}

function requireString(event: RecordedEvent, data: Record<string, unknown>, key: string): string {
  const value = data[key];
  if (typeof value !== 'string' || value === '') throw new InvalidOrderEventError(`${event.eventType} ${event.eventId}: ${key} must be a non-empty string`);
  return value;
}

function requireNumber(event: RecordedEvent, data: Record<string, unknown>, key: string): number {
  const value = data[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidOrderEventError(`${event.eventType} ${event.eventId}: ${key} must be a number`);
  return value;
}

export async function getOrder(db: Queryable, orderId: string): Promise<OrderView | undefined> {
  const { rows } = await db.query('SELECT * FROM orders_view WHERE order_id = $1', [orderId]);
  return rows[0] ? toOrderView(rows[0]) : undefined;
}

/** At most `limit` orders of one customer, newest first (the index on customer_id finds them). */
export async function ordersOfCustomer(db: Queryable, customerId: string, limit: number): Promise<OrderView[]> {
  const { rows } = await db.query(
    'SELECT * FROM orders_view WHERE customer_id = $1 ORDER BY created_at DESC NULLS LAST, order_id LIMIT $2',
    [customerId, limit],
  );
  return rows.map(toOrderView);
}

function toOrderView(row: Record<string, any>): OrderView {
  return {
    orderId: row.order_id,
    customerId: row.customer_id ?? undefined,
    total: row.total === null ? undefined : Number(row.total),
    status: row.status,
    cancelReason: row.cancel_reason ?? undefined,
    version: Number(row.version),
    createdAt: row.created_at ?? undefined,
    updatedAt: row.updated_at,
  };
}
