-- Test events (POST /v1/webhook-endpoints/{id}/test): an example of an event type sent on
-- demand to one endpoint. They are kept apart from order_events, which hold what orders
-- published, and go with their endpoint. Their ids start evt_test_, which is how a delivery
-- finds its event here; each is recorded as a delivery with its attempts like any other.

-- +goose Up
CREATE TABLE webhook_test_events (
    id          text        PRIMARY KEY,
    endpoint_id text        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    order_id    text        NOT NULL,
    seq         bigint      NOT NULL,
    type        text        NOT NULL,
    shipment_id text        NOT NULL DEFAULT '',
    data        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL
);
-- The rate limit counts an endpoint's recent tests.
CREATE INDEX webhook_test_events_endpoint_idx ON webhook_test_events (endpoint_id, created_at);

-- +goose Down
DROP TABLE webhook_test_events;
