-- A webhook endpoint's own request headers (an Authorization for a receiver behind an API
-- gateway, say), name to value, sent with every attempt. The API checks names, values and
-- their sizes before they are stored (outbound.CheckHeaders) and never shows a value whole.

-- +goose Up
ALTER TABLE webhook_endpoints ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT webhook_endpoints_headers_check CHECK (jsonb_typeof(headers) = 'object');

-- +goose Down
ALTER TABLE webhook_endpoints DROP COLUMN headers;
