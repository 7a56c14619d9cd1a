-- Retention (package retention): a Temporal Schedule runs the Prune workflow, which deletes
-- each kind of data past its age (SHIPFLOW_RETENTION_*) in batches of a bounded number of rows,
-- picked oldest first from an index that holds only what may go, so each batch is a short
-- index range scan however large the table, and rows that stay are never read again:
--   inbound_events     applied or rejected, by received_at (pending and waiting rows stay);
--   notifications      bodies not yet blanked, by created_at (a blanked row leaves the index);
--                      rows by created_at (notifications_created_idx, 00026);
--   webhook_deliveries delivered or failed, by updated_at (their last attempt); attempts go
--                      with them by ON DELETE CASCADE;
--   webhook_test_events by created_at;
--   orders             finished (order.FinalStatuses: delivered, cancelled, returned), by
--                      updated_at, with everything of the order;
--   audit_log          by at (audit_log_at_idx, 00028).
-- The status lists are literal so that the planner matches the prune statements, which spell
-- them the same way from the packages' constants, to these partial indexes.
--
-- retention_runs keeps each kind's last pass and running total, written by the workflow's
-- activities in the workers and read by /metrics in serve, so an operator sees there that
-- pruning runs.
--
-- The tables take writes all the time, so the indexes are built concurrently, outside a
-- transaction.

-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS retention_runs (
    kind         text        PRIMARY KEY,
    last_run_at  timestamptz NOT NULL,
    last_pruned  bigint      NOT NULL,
    total_pruned bigint      NOT NULL,
    -- The run whose count is in total_pruned last, so that a retried write adds nothing.
    last_run     text        NOT NULL
);
CREATE INDEX CONCURRENTLY IF NOT EXISTS inbound_events_finished_idx ON inbound_events (received_at)
    WHERE status IN ('applied', 'rejected');
CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_body_idx ON notifications (created_at)
    WHERE body <> '';
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_deliveries_finished_idx ON webhook_deliveries (updated_at)
    WHERE status IN ('delivered', 'failed');
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_test_events_created_idx ON webhook_test_events (created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_finished_idx ON orders (updated_at)
    WHERE status IN ('delivered', 'cancelled', 'returned');

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS orders_finished_idx;
DROP INDEX CONCURRENTLY IF EXISTS webhook_test_events_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_finished_idx;
DROP INDEX CONCURRENTLY IF EXISTS notifications_body_idx;
DROP INDEX CONCURRENTLY IF EXISTS inbound_events_finished_idx;
DROP TABLE IF EXISTS retention_runs;
