package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies every pending migration. Several replicas may call it at once: goose holds a
// Postgres advisory lock for the whole run, so one applies and the others wait and find nothing
// left to do.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (applied []string, err error) {
	p, closeDB, err := provider(pool)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		applied = append(applied, r.Source.Path)
	}
	return applied, nil
}

// Version reports the schema version the database is at and the newest one this binary knows.
func Version(ctx context.Context, pool *pgxpool.Pool) (current, latest int64, err error) {
	p, closeDB, err := provider(pool)
	if err != nil {
		return 0, 0, err
	}
	defer closeDB()
	return p.GetVersions(ctx)
}

// Applied reads the schema version the database is at and the server's clock in one query on
// ex. Unlike Version it needs no migration lock or pool of its own, so the self-test can run
// it from a worker to prove the worker reaches Postgres.
func Applied(ctx context.Context, ex Executor) (version int64, now time.Time, err error) {
	err = ex.QueryRow(ctx, `SELECT COALESCE((SELECT max(version_id) FROM goose_db_version WHERE is_applied), 0), now()`).
		Scan(&version, &now)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read schema version: %w", err)
	}
	return version, now, nil
}

func provider(pool *pgxpool.Pool) (*goose.Provider, func(), error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, fmt.Errorf("migration lock: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, nil, err
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, func() { _ = sqlDB.Close() }, nil
}
