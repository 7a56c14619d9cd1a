-- Subscribers' secrets are sealed at rest (payload.Codec.SealText under SHIPFLOW_SECRET_KEYS,
-- outbound/secrets.go): secret, previous_secret and each value of headers in place. A feed's
-- or a Zapier hook's URL is itself a secret, but url is also what staff pages, alerts and
-- insight show and what Zapier subscriptions are found by; so such a URL is kept whole in
-- url_sealed, and url keeps only its masked form (outbound.MaskURL). url_sealed is NULL for a
-- URL that is no secret (a webhook's, a connector's), and for one stored before this, until
-- the reseal pass (shipflow migrate, shipflow secrets reseal) moves it.

-- +goose Up
ALTER TABLE webhook_endpoints ADD COLUMN url_sealed text;

-- +goose Down
-- SQL cannot open what is sealed: a feed or Zapier hook moved here keeps only its masked URL,
-- and has to be given its URL again.
ALTER TABLE webhook_endpoints DROP COLUMN url_sealed;
