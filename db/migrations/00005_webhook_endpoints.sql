-- Subscribers' webhook endpoints. The secret signs every delivery (Standard Webhooks); after a
-- rotation the previous secret signs too, until previous_secret_until, so a receiver can switch
-- keys without losing a message.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id                    text        PRIMARY KEY,
    url                   text        NOT NULL,
    description           text        NOT NULL DEFAULT '',
    event_types           text[]      NOT NULL DEFAULT '{}', -- empty: every type
    secret                text        NOT NULL,
    previous_secret       text        NOT NULL DEFAULT '',
    previous_secret_until timestamptz,
    enabled               boolean     NOT NULL DEFAULT true,
    disabled_reason       text        NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE webhook_endpoints;
