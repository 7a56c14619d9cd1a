-- The notification log: every message shipflow sent, tried to send or chose not to send, for
-- compliance and for support ("did the customer get told?"). A row is written before the
-- provider is called and keyed by (order, milestone, shipment, channel), which is what makes a
-- retried or replayed send find the first one instead of sending again.

-- +goose Up
CREATE TABLE notifications (
    id                  bigserial   PRIMARY KEY,
    idempotency_key     text        NOT NULL UNIQUE,
    order_id            text        NOT NULL,
    milestone           text        NOT NULL,
    shipment_id         text        NOT NULL DEFAULT '',
    channel             text        NOT NULL,
    "to"                text        NOT NULL,
    template            text        NOT NULL,
    locale              text        NOT NULL DEFAULT '',
    body                text        NOT NULL,
    provider            text        NOT NULL DEFAULT '',
    provider_message_id text        NOT NULL DEFAULT '',
    -- queued, sending, sent, delivered, undelivered, failed, suppressed (opted out),
    -- skipped (channel off), logged (dev log channel), unknown (a send may have happened:
    -- the provider's receipt will tell).
    status              text        NOT NULL,
    error               text        NOT NULL DEFAULT '',
    attempts            integer     NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_order_idx ON notifications (order_id, created_at, id);
CREATE INDEX notifications_provider_idx ON notifications (provider, provider_message_id) WHERE provider_message_id <> '';

-- Addresses that said STOP. Consent is per channel: texting STOP by SMS does not end email.
CREATE TABLE opt_outs (
    channel      text        NOT NULL,
    address      text        NOT NULL,
    opted_out_at timestamptz NOT NULL DEFAULT now(),
    source       text        NOT NULL DEFAULT '',
    PRIMARY KEY (channel, address)
);

-- +goose Down
DROP TABLE opt_outs;
DROP TABLE notifications;
