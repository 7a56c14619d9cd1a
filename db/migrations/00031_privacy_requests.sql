-- Privacy requests (issue 23, package privacy): each erasure and each export kept for a
-- merchant (Shopify's customers/data_request), so that GET /v1/privacy/erasures/:id and
-- /v1/privacy/exports/:id can say how it went. A row never holds the customer's email or
-- phone in clear: erasure must leave no trace, so the row names the request by an id and
-- the orders it covered. document is an export kept for the merchant, sealed under
-- SHIPFLOW_SECRET_KEYS when keys are set; an erasure that covers one of its orders deletes
-- it, and retention removes it with the request.

-- +goose Up
CREATE TABLE privacy_requests (
    id          text        PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('erasure', 'export')),
    -- pending, done, failed
    status      text        NOT NULL DEFAULT 'pending',
    -- api or shopify, and for shopify the topic that asked
    source      text        NOT NULL,
    topic       text        NOT NULL DEFAULT '',
    order_ids   text[]      NOT NULL DEFAULT '{}',
    document    text,
    error       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX privacy_requests_orders_idx ON privacy_requests USING gin (order_ids);
CREATE INDEX privacy_requests_created_idx ON privacy_requests (created_at);

-- +goose Down
DROP TABLE privacy_requests;
