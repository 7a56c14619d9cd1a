-- Native connectors (docs/connectors.md): a destination of a platform's kind calls the
-- platform's API with credentials of its own in credentials: each name with its value sealed
-- (payload.Codec.SealText under SHIPFLOW_SECRET_KEYS); NULL for a webhook or a feed.

-- +goose Up
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_kind_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_kind_check
    CHECK (kind IN ('webhook', 'slack', 'teams', 'googlechat',
                    'klaviyo', 'hubspot', 'salesforce', 'activecampaign', 'zapier', 'shopify'));
ALTER TABLE webhook_endpoints ADD COLUMN credentials jsonb;

-- +goose Down
ALTER TABLE webhook_endpoints DROP COLUMN credentials;
DELETE FROM webhook_endpoints WHERE kind NOT IN ('webhook', 'slack', 'teams', 'googlechat');
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_kind_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_kind_check
    CHECK (kind IN ('webhook', 'slack', 'teams', 'googlechat'));
