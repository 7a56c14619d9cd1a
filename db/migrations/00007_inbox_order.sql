-- The relay claims a delivery only when no earlier pending delivery about the same order or
-- tracking number is held back (inbox.Claim); these indexes keep that check cheap when
-- thousands of deliveries are pending after a burst.

-- +goose Up
CREATE INDEX inbound_events_pending_order_idx ON inbound_events (order_id, id) WHERE status = 'pending' AND order_id <> '';
CREATE INDEX inbound_events_pending_tracking_idx ON inbound_events USING gin (tracking_keys) WHERE status = 'pending';

-- +goose Down
DROP INDEX inbound_events_pending_tracking_idx;
DROP INDEX inbound_events_pending_order_idx;
