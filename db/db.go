// Package db owns shipflow's Postgres side: the connection pool, the schema as versioned SQL
// migrations embedded in the binary, the Executor every store runs its queries on, the queries
// of the read model, and the text and error rules of what Postgres stores (SafeText, Refused).
// A table one package alone reads and writes has its queries in that package instead: the
// outbound webhook tables in outbound, inbound_events in inbox, the notification log and
// opt-outs in notify, the voice line's memo and attempts in voice. The Temporal workflows are
// the source of truth for an order's state; what lives here is what must be answered or kept
// without them.
package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultMaxConns is the pool size unless DATABASE_URL sets pool_max_conns. pgxpool's own
// default, four connections on a 2-core machine, is shared by the inbox, the relay, the
// workflows' local activities (projections, events), the notification log and the outbound
// dispatcher; under load the local activities queued for a connection, and every workflow task
// that ran one waited with them.
const defaultMaxConns = 16

// Open connects a pool to databaseURL and checks that the server answers, so that a wrong URL
// fails at start-up rather than on the first request.
func Open(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, errors.New("parse DATABASE_URL: not a Postgres connection string")
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres at %s is unreachable: %w", redact(cfg.ConnConfig), rootCause(err))
	}
	return pool, nil
}

// EnsureDatabase creates the database named in databaseURL when it does not exist, so that the
// default URL works on a machine that only has a Postgres server. It connects to the server's
// maintenance database ("postgres") to do so.
func EnsureDatabase(ctx context.Context, databaseURL string) error {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return errors.New("parse DATABASE_URL: not a Postgres connection string")
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres at %s is unreachable: %w", redact(cfg), rootCause(err))
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	// Another replica won: duplicate_database, or unique_violation when both passed Postgres's own
	// existence check at once.
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// redact names a server without its password, for error messages.
func redact(c *pgx.ConnConfig) string {
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", c.Host, c.Port), Path: "/" + c.Database}
	if c.User != "" {
		u.User = url.User(c.User)
	}
	return u.String()
}

// rootCause drops pgx's per-address wrapping, which spans several lines, keeping the reason
// (refused, timed out, password rejected) for a one-line start-up error.
func rootCause(err error) error {
	for {
		switch u := err.(type) {
		case interface{ Unwrap() []error }: // one error per address tried; the first says why
			if errs := u.Unwrap(); len(errs) > 0 {
				err = errs[0]
				continue
			}
		case interface{ Unwrap() error }:
			if next := u.Unwrap(); next != nil {
				err = next
				continue
			}
		}
		return err
	}
}
