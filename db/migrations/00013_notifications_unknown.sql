-- The unresolved-notification check (package notify) looks every minute for messages left
-- `unknown` (a sending attempt died after calling the provider) longer than a receipt takes.
-- This partial index holds only those rows, oldest first, so the look costs next to nothing
-- when there are none, however long the notification log grows.

-- +goose Up
CREATE INDEX notifications_unknown_idx ON notifications (updated_at) WHERE status = 'unknown';

-- +goose Down
DROP INDEX notifications_unknown_idx;
