package db

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Executor is what store functions take: a *pgxpool.Pool, a pgx.Tx or a *pgx.Conn all satisfy
// it, so a caller can put writes of several stores in one transaction. A store function that
// needs a transaction of its own begins one on it, which inside a caller's transaction is a
// savepoint (as River's executor does).
type Executor interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
