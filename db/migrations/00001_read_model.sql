-- The read model: a projection of each order workflow's state, written by an activity on every
-- change. It answers lists, searches and "which order has this tracking number" without asking
-- Temporal, and is the voice assistant's fallback when a workflow query is too slow.

-- +goose Up
CREATE TABLE orders (
    order_id           text PRIMARY KEY,
    status             text        NOT NULL,
    customer           jsonb       NOT NULL,
    -- The order view (docs/reference/api.md) as of revision, without its timeline, which is in
    -- tracking_events: one row answers a read, and a projection never rewrites old entries.
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
    -- tracking_number as carriers and platforms disagree on it: upper case, no spaces.
    tracking_key       text        NOT NULL,
    status             text        NOT NULL,
    substatus          text        NOT NULL DEFAULT '',
    last_location      jsonb,
    estimated_delivery timestamptz,
    last_event_at      timestamptz,
    PRIMARY KEY (order_id, shipment_id)
);
-- Carrier webhooks find their order by tracking number; carriers recycle numbers, so it is not
-- unique and the newest order wins.
CREATE INDEX shipments_tracking_key_idx ON shipments (tracking_key);
CREATE INDEX shipments_carrier_idx ON shipments (lower(carrier));

-- The order's timeline: every commerce event, carrier scan, driver report and staff action,
-- including those that changed nothing (ignored, with a note saying why).
CREATE TABLE tracking_events (
    order_id        text        NOT NULL REFERENCES orders ON DELETE CASCADE,
    -- Position in the order's timeline since it began; stable, so re-projecting is a no-op.
    seq             bigint      NOT NULL,
    occurred_at     timestamptz NOT NULL,
    kind            text        NOT NULL,
    type            text        NOT NULL,
    shipment_id     text        NOT NULL DEFAULT '',
    tracking_number text        NOT NULL DEFAULT '',
    substatus       text        NOT NULL DEFAULT '',
    description     text        NOT NULL DEFAULT '',
    location        jsonb,
    ignored         boolean     NOT NULL DEFAULT false,
    note            text        NOT NULL DEFAULT '',
    event_id        text        NOT NULL DEFAULT '',
    source          text        NOT NULL DEFAULT '',
    actor           text        NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, seq)
);

-- Outbound events the lifecycle published, one per Publish effect, numbered per order. The
-- outbound webhook fan-out delivers from here, so an event recorded is an event not lost.
CREATE TABLE order_events (
    order_id    text        NOT NULL,
    seq         bigint      NOT NULL,
    type        text        NOT NULL,
    shipment_id text        NOT NULL DEFAULT '',
    data        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (order_id, seq)
);
CREATE INDEX order_events_created_idx ON order_events (created_at);

-- +goose Down
DROP TABLE order_events;
DROP TABLE tracking_events;
DROP TABLE shipments;
DROP TABLE orders;
