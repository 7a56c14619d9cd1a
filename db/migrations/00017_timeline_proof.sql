-- A delivered scan's proof of delivery (who signed, where the parcel was left, a photo link),
-- kept with its timeline entry as the order view keeps it (order.Proof). Numbered with room
-- below it for the other migrations of issue 19.

-- +goose Up
ALTER TABLE tracking_events ADD COLUMN proof jsonb;

-- +goose Down
ALTER TABLE tracking_events DROP COLUMN proof;
