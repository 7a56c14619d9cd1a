-- Outbound webhook deliveries: one row per (event, endpoint), written in the same transaction as
-- the event, so an event is never published without its deliveries. Each delivery is carried
-- out by its own Temporal workflow; these rows are its projection and its attempt log, which
-- subscribers read through the API and operators retry from.

-- +goose Up
ALTER TABLE order_events ADD COLUMN id text;
-- The same id db.EventID gives: the event's (order, seq) hashed, so it is stable and opaque.
UPDATE order_events SET id = 'evt_' || substr(encode(sha256(convert_to(order_id || '/' || seq, 'UTF8')), 'hex'), 1, 24);
ALTER TABLE order_events ALTER COLUMN id SET NOT NULL;
CREATE UNIQUE INDEX order_events_id_idx ON order_events (id);

-- failing_since is when the endpoint's current run of failures began; NULL after a success.
-- An endpoint that has only failed for five days is disabled (docs/reference/outbound-webhooks.md).
ALTER TABLE webhook_endpoints ADD COLUMN failing_since timestamptz;

CREATE TABLE webhook_deliveries (
    id              text        PRIMARY KEY,
    endpoint_id     text        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        text        NOT NULL,
    order_id        text        NOT NULL,
    seq             bigint      NOT NULL,
    type            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending', -- pending, delivered, failed
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- Every attempt, as the receiver answered it. attempt counts across manual retries.
CREATE TABLE webhook_attempts (
    delivery_id   text             NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt       integer          NOT NULL,
    attempted_at  timestamptz      NOT NULL,
    status_code   integer          NOT NULL DEFAULT 0, -- 0: no answer
    latency_ms    double precision NOT NULL DEFAULT 0,
    response_body text             NOT NULL DEFAULT '', -- the first 4 KiB
    error         text             NOT NULL DEFAULT '',
    outcome       text             NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_endpoints DROP COLUMN failing_since;
DROP INDEX order_events_id_idx;
ALTER TABLE order_events DROP COLUMN id;
