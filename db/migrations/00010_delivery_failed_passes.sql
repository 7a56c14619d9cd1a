-- A pass at a delivery (a dispatcher's, or its workflow's) can fail without an attempt on
-- record: Postgres refused or lost the write, perhaps after the request was sent. failed_passes
-- counts such passes in a row. Each one pushes the next pass back (the dispatcher's lease, the
-- workflow's retry), and after a few the delivery is failed with the reason in last_error, so a
-- delivery that cannot be recorded is never sent again and again at full speed. A recorded
-- attempt resets it.

-- +goose Up
ALTER TABLE webhook_deliveries ADD COLUMN failed_passes integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN failed_passes;
