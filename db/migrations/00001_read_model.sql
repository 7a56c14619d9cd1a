-- The read model: a projection of each order workflow's state, written by an activity on every
-- change. It answers lists, searches and "which order has this tracking number" without asking
-- Temporal, and is the voice assistant's fallback when a workflow query is too slow.

-- +goose Up
CREATE TABLE orders (
    order_id           text PRIMARY KEY,
    status             text        NOT NULL,
    customer           jsonb       NOT NULL,
    -- The full order view (SPEC section 5) as of revision, so a read needs one row.
    view               jsonb       NOT NULL,
    has_open_exception boolean     NOT NULL DEFAULT false,
    estimated_delivery timestamptz,
    -- Revision grows with every state change of the workflow; a retried or late projection
    -- write carrying an older revision must never overwrite a newer one.
    revision           bigint      NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
-- Lists are newest first and paginated by (created_at, order_id).
CREATE INDEX orders_created_idx ON orders (created_at DESC, order_id DESC);
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, order_id DESC);

CREATE TABLE shipments (
    order_id           text        NOT NULL REFERENCES orders ON DELETE CASCADE,
    shipment_id        text        NOT NULL,
    carrier            text        NOT NULL,
    tracking_number    text        NOT NULL,
    status             text        NOT NULL,
    substatus          text        NOT NULL DEFAULT '',
    last_location      jsonb,
    estimated_delivery timestamptz,
    last_event_at      timestamptz,
    PRIMARY KEY (order_id, shipment_id)
);
-- Carrier webhooks find their order by tracking number; carriers recycle numbers, so it is not
-- unique and the newest order wins.
CREATE INDEX shipments_tracking_number_idx ON shipments (tracking_number);
CREATE INDEX shipments_carrier_idx ON shipments (lower(carrier));

CREATE TABLE tracking_events (
    order_id        text        NOT NULL REFERENCES orders ON DELETE CASCADE,
    seq             integer     NOT NULL,
    event_id        text        NOT NULL,
    kind            text        NOT NULL,
    type            text        NOT NULL,
    shipment_id     text        NOT NULL DEFAULT '',
    tracking_number text        NOT NULL DEFAULT '',
    description     text        NOT NULL DEFAULT '',
    location        jsonb,
    ignored         boolean     NOT NULL DEFAULT false,
    note            text        NOT NULL DEFAULT '',
    occurred_at     timestamptz NOT NULL,
    PRIMARY KEY (order_id, seq)
);
CREATE INDEX tracking_events_occurred_idx ON tracking_events (order_id, occurred_at DESC);

-- +goose Down
DROP TABLE tracking_events;
DROP TABLE shipments;
DROP TABLE orders;
