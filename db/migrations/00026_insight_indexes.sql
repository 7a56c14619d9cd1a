-- The insight page's window scans (00025). Each aggregate is one range scan of an index that
-- holds every column it counts (INCLUDE), so Postgres answers from the index alone and reads
-- only the window's entries: the page's cost follows the traffic of the days asked for, not
-- the size of the tables.
--
-- No summary table is kept for these: messages change status after they are written (a
-- receipt comes, a send fails over), deliveries are retried for days, and a parcel's date
-- moves with each estimate, so counters would have to follow every change, on the hottest
-- rows of the busiest tables. An index is kept right by Postgres itself.
--
-- The deliveries index replaces webhook_deliveries_endpoint_idx with the same key, so the
-- per-endpoint lists keep their plan and the table keeps its number of indexes. These tables
-- take writes all the time, so the indexes are built concurrently, as 00011's was.

-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY IF NOT EXISTS shipments_delivered_idx ON shipments (delivered_at) INCLUDE (carrier, due_at)
    WHERE delivered_at IS NOT NULL AND NOT is_return;
CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_created_idx ON notifications (created_at) INCLUDE (channel, status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS opt_outs_at_idx ON opt_outs (opted_out_at) INCLUDE (channel);
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_deliveries_endpoint_created_idx
    ON webhook_deliveries (endpoint_id, created_at DESC, id) INCLUDE (status, attempts);
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_endpoint_idx;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id);
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_endpoint_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS opt_outs_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS notifications_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS shipments_delivered_idx;
