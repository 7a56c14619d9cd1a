-- The audit trail: every read or change of customer data by a person or a system, appended
-- and never updated. actor is the token's or session's name, via how it came (api, console,
-- voice, shopify, system). subject names what was read or changed (an order id, an email
-- being exported, an endpoint); order_id is set when the subject belongs to one order, so an
-- order's history of access is one index scan. Retention prunes it by at.

-- +goose Up
CREATE TABLE audit_log (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL,
    via       text        NOT NULL,
    action    text        NOT NULL,
    subject   text        NOT NULL DEFAULT '',
    order_id  text,
    detail    jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_order_idx ON audit_log (order_id, at DESC, id DESC) WHERE order_id IS NOT NULL;
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC, id DESC);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- +goose Down
DROP TABLE audit_log;
