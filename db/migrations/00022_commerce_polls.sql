-- Commerce platforms read by polling (Magento: docs/reference/inbound.md): one row per source
-- holds each feed's cursor (the last entity read, by updated_at then entity id) and the lease
-- that lets exactly one replica poll at a time. A poller that stalls past its lease finds the
-- lease changed and its cursor write refused; what it stored meanwhile the inbox dedupes.

-- +goose Up
CREATE TABLE commerce_polls (
    source          text        PRIMARY KEY,
    orders_at       timestamptz,
    orders_id       bigint      NOT NULL DEFAULT 0,
    shipments_at    timestamptz,
    shipments_id    bigint      NOT NULL DEFAULT 0,
    leased_by       text        NOT NULL DEFAULT '',
    leased_until    timestamptz,
    -- The next pass is due then, whichever replica takes it, so that replicas together poll
    -- at the configured interval rather than each at it.
    next_poll_at    timestamptz NOT NULL DEFAULT now(),
    last_error      text        NOT NULL DEFAULT '',
    polled_at       timestamptz
);

-- +goose Down
DROP TABLE commerce_polls;
