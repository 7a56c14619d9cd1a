-- A destination's kind says how an attempt reaches it: 'webhook' is a signed Standard Webhooks
-- POST, today the only kind. Native connectors (a CRM, a chat feed) become further kinds that
-- share the outbox, the first attempt, the retry schedule, the attempt log, the disable rule,
-- manual retry and recover; the CHECK lists the kinds the code knows how to send.

-- +goose Up
ALTER TABLE webhook_endpoints ADD COLUMN kind text NOT NULL DEFAULT 'webhook'
    CONSTRAINT webhook_endpoints_kind_check CHECK (kind IN ('webhook'));

-- +goose Down
ALTER TABLE webhook_endpoints DROP COLUMN kind;
