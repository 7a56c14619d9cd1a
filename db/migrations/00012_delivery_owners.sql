-- The stranded-delivery check (package dispatch) looks every minute for pending deliveries a
-- workflow should own whose next attempt is long overdue, and asks Temporal whether that
-- workflow still runs. This partial index holds only pending rows owned by a workflow, in the
-- order the check reads them, so the look costs next to nothing when every workflow is alive.

-- +goose Up
CREATE INDEX webhook_deliveries_owned_idx ON webhook_deliveries ((COALESCE(next_attempt_at, updated_at)), id)
    WHERE status = 'pending' AND workflow;

-- +goose Down
DROP INDEX webhook_deliveries_owned_idx;
