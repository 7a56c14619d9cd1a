-- Staff milestone feeds: a Slack, Microsoft Teams or Google Chat webhook is a kind of
-- destination (docs/reference/feeds.md). Its deliveries are not attempted one by one: they wait
-- for the feed's next digest, one message listing every event that waited.
--
-- webhook_deliveries.digest says where a delivery stands in that:
--   NULL   an ordinary delivery, attempted on its own (every webhook's);
--   ''     waiting for its feed's next digest: no dispatcher claims it;
--   dlv_…  sent in the digest led by that delivery, the oldest of the set. The lead is claimed,
--          attempted, retried and recovered like any delivery, and every attempt at it is
--          recorded with each delivery of its digest, so a retry re-sends the same set.

-- +goose Up
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_kind_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_kind_check
    CHECK (kind IN ('webhook', 'slack', 'teams', 'googlechat'));
ALTER TABLE webhook_deliveries ADD COLUMN digest text;
-- What waits for a digest, per feed, oldest first: the gathering pass reads only these rows.
CREATE INDEX webhook_deliveries_digest_wait_idx ON webhook_deliveries (endpoint_id, created_at, id)
    WHERE status = 'pending' AND digest = '';
-- The deliveries of one digest, found from its lead.
CREATE INDEX webhook_deliveries_digest_idx ON webhook_deliveries (digest)
    WHERE digest <> '';

-- +goose Down
DROP INDEX webhook_deliveries_digest_idx;
DROP INDEX webhook_deliveries_digest_wait_idx;
ALTER TABLE webhook_deliveries DROP COLUMN digest;
DELETE FROM webhook_endpoints WHERE kind <> 'webhook';
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_kind_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_kind_check CHECK (kind IN ('webhook'));
