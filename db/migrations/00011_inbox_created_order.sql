-- A voice caller asking about an order a moment after placing it must hear it was received,
-- even while the relay is behind and neither the read model nor the workflow knows it yet: the
-- voice lookup then reads the order's accepted order.created from the inbox (inbox.
-- AcceptedOrder). Applied deliveries, the bulk of the table, have no index by order; this one
-- holds only the deliveries that create an order, so it stays small and the read is one
-- index probe within the voice deadline. Built concurrently: the inbox takes webhooks while it
-- builds.

-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY inbound_events_created_order_idx ON inbound_events (order_id, id)
    WHERE delivery -> 'commerce' @> '[{"type": "order.created"}]';

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS inbound_events_created_order_idx;
