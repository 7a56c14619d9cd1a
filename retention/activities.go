package retention

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Activities are the Prune workflow's I/O: one bounded batch, and a kind's run recorded.
type Activities struct {
	DB *pgxpool.Pool
}

// PruneBatch runs one batch. A retry deletes only rows still past the cutoff, so it never
// deletes anything twice or anything younger.
func (a *Activities) PruneBatch(ctx context.Context, b Batch) (int64, error) {
	return Prune(ctx, a.DB, b)
}

// RecordRun writes a kind's outcome to retention_runs, once per run however often retried.
func (a *Activities) RecordRun(ctx context.Context, r Run) error {
	return Record(ctx, a.DB, r)
}
