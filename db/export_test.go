package db

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// MigrateTo applies the migrations up to version, for a test of what a later one does to rows
// an earlier schema held.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int64) error {
	p, closeDB, err := provider(pool)
	if err != nil {
		return err
	}
	defer closeDB()
	_, err = p.UpTo(ctx, version)
	return err
}
