-- The inbox: every inbound webhook delivery shipflow acknowledged, normalised, stored before the
-- 2xx and relayed to the order workflows from here. A delivery is never lost (it is in this
-- table before the sender hears yes) and never applied twice (source + event_id is unique, and
-- the workflows dedupe the events inside by id).

-- +goose Up
CREATE TABLE inbound_events (
    id              bigserial   PRIMARY KEY,
    source          text        NOT NULL,
    event_id        text        NOT NULL,
    -- pending: to relay; applied: the workflow has it; waiting: its order or shipment is not
    -- known yet; rejected: it can never apply (the order is finished), kept for staff to see.
    status          text        NOT NULL DEFAULT 'pending',
    delivery        jsonb       NOT NULL,
    -- Routing, so that an order or shipment appearing wakes exactly the deliveries waiting
    -- for it.
    order_id        text        NOT NULL DEFAULT '',
    shipment_id     text        NOT NULL DEFAULT '',
    tracking_keys   text[]      NOT NULL DEFAULT '{}',
    waiting_for     text        NOT NULL DEFAULT '',
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text        NOT NULL DEFAULT '',
    received_at     timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A relay claims a row until this time; a relay that dies mid-flight releases it by
    -- letting the lease run out.
    locked_until    timestamptz,
    applied_at      timestamptz,
    UNIQUE (source, event_id)
);
CREATE INDEX inbound_events_due_idx ON inbound_events (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX inbound_events_waiting_order_idx ON inbound_events (order_id) WHERE status = 'waiting';
CREATE INDEX inbound_events_waiting_tracking_idx ON inbound_events USING gin (tracking_keys) WHERE status = 'waiting';
CREATE INDEX inbound_events_status_idx ON inbound_events (status, id DESC);

-- +goose Down
DROP TABLE inbound_events;
