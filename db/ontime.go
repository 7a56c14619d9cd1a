package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// OnTimeWeek is one carrier's parcels delivered in one ISO week.
type OnTimeWeek struct {
	// Carrier is the carrier's code in lower case: platforms spell it differently.
	Carrier string
	// Week is the week's Monday, 00:00 UTC.
	Week time.Time
	// OnTime and Late count the parcels delivered by and after their date (order.View.DueBy);
	// NoDate those that had none.
	OnTime, Late, NoDate int
}

// Delivered counts the week's parcels.
func (w OnTimeWeek) Delivered() int { return w.OnTime + w.Late + w.NoDate }

// OnTimeByWeek counts the parcels (not returns) delivered since since, by carrier and ISO week,
// oldest week first. It reads shipments_delivered_idx over the window alone: the delivery
// times, dates and carriers are all in the index.
func OnTimeByWeek(ctx context.Context, ex Executor, since time.Time) ([]OnTimeWeek, error) {
	rows, err := ex.Query(ctx, `
		SELECT lower(carrier), date_trunc('week', delivered_at, 'UTC'),
			count(*) FILTER (WHERE delivered_at <= due_at), count(*) FILTER (WHERE delivered_at > due_at),
			count(*) FILTER (WHERE due_at IS NULL)
		FROM shipments WHERE delivered_at >= $1 AND delivered_at IS NOT NULL AND NOT is_return
		GROUP BY 1, 2 ORDER BY 2, 1`, since)
	if err != nil {
		return nil, fmt.Errorf("count on-time deliveries since %s: %w", since.Format(time.RFC3339), err)
	}
	weeks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OnTimeWeek, error) {
		var w OnTimeWeek
		err := r.Scan(&w.Carrier, &w.Week, &w.OnTime, &w.Late, &w.NoDate)
		w.Week = w.Week.UTC()
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("count on-time deliveries since %s: %w", since.Format(time.RFC3339), err)
	}
	return weeks, nil
}
