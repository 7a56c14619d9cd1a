-- Retention of privacy requests (package retention, kind privacy_requests,
-- SHIPFLOW_RETENTION_PRIVACY_REQUESTS): erasures and exports done or failed go some days after
-- they finished, an export with its document, which holds a customer's personal data. The
-- prune statement picks them oldest first from this index, which holds only requests that may
-- go, so a batch is a short range scan and pending requests are never read; 00031's
-- created_at index cannot say which are over. The status list is literal, spelt as the
-- statement spells it, so that the planner matches the two.
--
-- Built concurrently, outside a transaction, like 00029's: the table takes writes whenever a
-- request arrives.

-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY IF NOT EXISTS privacy_requests_finished_idx ON privacy_requests (finished_at)
    WHERE status IN ('done', 'failed');

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS privacy_requests_finished_idx;
