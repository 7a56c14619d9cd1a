-- The console's order page and exceptions queue (package console) read by order and by age,
-- and each read must stay a few index probes at a million orders:
--   the queue walks the orders with an open exception, the longest open first, by when it was
--   raised: a partial index holds those orders alone, so it stays as small as the queue;
--   an order's subscriber deliveries are found by order (webhook_deliveries had indexes by
--   endpoint and event only);
--   an order's inbound deliveries are found by the order they name or by their tracking
--   numbers (the inbox had such indexes only for pending and waiting rows). Deliveries with
--   neither are left out of both.
-- raised_at is kept as the view's JSON text, RFC 3339 in UTC (order.Exception is always
-- stored in UTC), whose text order is time order to the second; a cast to timestamptz cannot
-- be indexed, since it depends on the session's time zone setting.
-- Built concurrently: webhooks keep arriving and orders keep changing while they build.

-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY orders_open_exception_idx ON orders ((view -> 'exception' ->> 'raised_at'), order_id)
    WHERE has_open_exception;
CREATE INDEX CONCURRENTLY webhook_deliveries_order_idx ON webhook_deliveries (order_id, created_at DESC, id DESC);
CREATE INDEX CONCURRENTLY inbound_events_order_idx ON inbound_events (order_id, id DESC) WHERE order_id <> '';
CREATE INDEX CONCURRENTLY inbound_events_tracking_idx ON inbound_events USING gin (tracking_keys)
    WHERE tracking_keys <> '{}';

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS inbound_events_tracking_idx;
DROP INDEX CONCURRENTLY IF EXISTS inbound_events_order_idx;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_order_idx;
DROP INDEX CONCURRENTLY IF EXISTS orders_open_exception_idx;
