package loadtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
)

// resetDatabase drops and recreates the run's database, so that nothing a previous run left
// (pending inbox rows, orders of a Temporal server that is gone) is relayed or counted in this
// one. Only a database whose name says it is the load test's is ever dropped.
func resetDatabase(ctx context.Context, url string) error {
	name, err := dropDatabase(ctx, url)
	if err != nil {
		return err
	}
	if err := db.EnsureDatabase(ctx, url); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// dropDatabase drops the run's database, connections and all.
func dropDatabase(ctx context.Context, url string) (string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("the load test's database URL is not a Postgres connection string: %w", err)
	}
	name := cfg.Database
	if !strings.Contains(name, "loadtest") {
		return "", fmt.Errorf("the load test drops and recreates its database; %q does not look like one made for it (name it *loadtest*)", name)
	}
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("connect to Postgres to reset %s: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop database %s: %w", name, err)
	}
	return name, nil
}

// stage is where the run's orders stand, as the read model, the inbox and the delivery log
// show it.
type stage struct {
	Relayed          int // inbox rows forwarded to their workflow
	Shipped          int // orders at shipped or beyond
	Delivered        int
	Labelled         int // orders whose shipment the sim carrier has been polled for
	DeliveriesOwed   int // webhook deliveries recorded for the subscriber's endpoint
	DeliveriesFailed int
	DeliveriesDone   int // of those, delivered
	InboxOpen        int // inbox rows not applied yet (pending or waiting)
	NotifyRows       int // notification log rows of the run's orders
	NotifyOpen       int // of those, still queued or being sent
}

func readStage(ctx context.Context, pool *pgxpool.Pool, prefix, endpointID string) (stage, error) {
	var s stage
	err := pool.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FROM inbound_events WHERE event_id LIKE $1 || '%' AND status = 'applied'),
			(SELECT count(*) FROM orders WHERE order_id LIKE $1 || '%'
				AND status IN ('shipped', 'in_transit', 'out_for_delivery', 'delivered')),
			(SELECT count(*) FROM orders WHERE order_id LIKE $1 || '%' AND status = 'delivered'),
			(SELECT count(DISTINCT order_id) FROM tracking_events WHERE order_id LIKE $1 || '%' AND source = 'poll'),
			(SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $2),
			(SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $2 AND status = 'failed'),
			(SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $2 AND status = 'delivered'),
			(SELECT count(*) FROM inbound_events WHERE event_id LIKE $1 || '%' AND status IN ('pending', 'waiting')),
			(SELECT count(*) FROM notifications WHERE order_id LIKE $1 || '%'),
			(SELECT count(*) FROM notifications WHERE order_id LIKE $1 || '%' AND status IN ('queued', 'sending'))`,
		prefix, endpointID).Scan(&s.Relayed, &s.Shipped, &s.Delivered, &s.Labelled, &s.DeliveriesOwed, &s.DeliveriesFailed,
		&s.DeliveriesDone, &s.InboxOpen, &s.NotifyRows, &s.NotifyOpen)
	if err != nil {
		return s, fmt.Errorf("read the run's progress from Postgres: %w", err)
	}
	return s, nil
}
