-- A delivery's first attempt is made straight from this table by the workers' dispatchers, so
-- that the usual delivery, answered 2xx at once, costs the engine nothing. Only a delivery that
-- needs more (a later attempt on the retry schedule of docs/reference/outbound-webhooks.md, a staff alert, a person's retry)
-- is carried on by a Temporal workflow; `workflow` says one owns it. A dispatcher holds the
-- rows it works on under a lease, so workers share the table and one that dies only delays its
-- rows.

-- +goose Up
ALTER TABLE webhook_deliveries ADD COLUMN workflow boolean NOT NULL DEFAULT false;
ALTER TABLE webhook_deliveries ADD COLUMN lease_until timestamptz;
-- A delivery under way before this change has attempted once at least, in its workflow. One not
-- attempted yet may or may not have one; the dispatcher tries it, and a receiver that saw it
-- already deduplicates on its webhook-id.
UPDATE webhook_deliveries SET workflow = true WHERE status = 'pending' AND attempts > 0;
CREATE INDEX webhook_deliveries_dispatch_idx ON webhook_deliveries (created_at)
    WHERE status = 'pending' AND NOT workflow;

-- +goose Down
DROP INDEX webhook_deliveries_dispatch_idx;
ALTER TABLE webhook_deliveries DROP COLUMN lease_until;
ALTER TABLE webhook_deliveries DROP COLUMN workflow;
