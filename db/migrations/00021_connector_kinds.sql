-- Native connectors (docs/connectors.md): a destination of a platform's kind calls the
-- platform's API with credentials of its own, sealed at rest (package seal) in credentials:
-- NULL for a webhook or a feed.

-- +goose Up
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_kind_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_kind_check
    CHECK (kind IN ('webhook', 'slack', 'teams', 'googlechat',
                    'klaviyo', 'hubspot', 'salesforce', 'activecampaign', 'zapier', 'shopify'));
ALTER TABLE webhook_endpoints ADD COLUMN credentials text;

-- +goose Down
ALTER TABLE webhook_endpoints DROP COLUMN credentials;
DELETE FROM webhook_endpoints WHERE kind NOT IN ('webhook', 'slack', 'teams', 'googlechat');
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_kind_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_kind_check
    CHECK (kind IN ('webhook', 'slack', 'teams', 'googlechat'));
