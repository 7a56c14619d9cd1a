-- The providers a message failed over from before one took it ("sendgrid: 503 ..."), so the
-- notification log says which provider sent each message and why not the first.

-- +goose Up
ALTER TABLE notifications ADD COLUMN failover text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notifications DROP COLUMN failover;
