-- The example read model: one row per order, kept by the orders projection
-- (examples/orders/orders-projection.ts; applied as the projection's own migration) in the same transaction as its checkpoint.
CREATE TABLE IF NOT EXISTS orders_view (
  order_id      text        PRIMARY KEY,
  customer_id   text,
  total         numeric(14, 2),
  status        text        NOT NULL,
  cancel_reason text,
  -- The version of the last event applied: an update never goes backwards.
  version       bigint      NOT NULL,
  created_at    timestamptz,
  updated_at    timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS orders_view_customer ON orders_view (customer_id);
