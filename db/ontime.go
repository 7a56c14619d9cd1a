package db

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
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
// times, dates and carriers are all in the index. Postgres groups by the carrier as stored
// and the week in UTC, the cheapest keys to hash; the spellings of a carrier are merged here.
func OnTimeByWeek(ctx context.Context, ex Executor, since time.Time) ([]OnTimeWeek, error) {
	rows, err := ex.Query(ctx, `
		SELECT carrier, date_trunc('week', delivered_at AT TIME ZONE 'UTC'),
			count(*) FILTER (WHERE delivered_at <= due_at), count(*) FILTER (WHERE delivered_at > due_at),
			count(*) FILTER (WHERE due_at IS NULL)
		FROM shipments WHERE delivered_at >= $1 AND delivered_at IS NOT NULL AND NOT is_return
		GROUP BY 1, 2`, since)
	if err != nil {
		return nil, fmt.Errorf("count on-time deliveries since %s: %w", since.Format(time.RFC3339), err)
	}
	type key struct {
		carrier string
		week    time.Time
	}
	byKey := map[key]*OnTimeWeek{}
	var weeks []*OnTimeWeek
	var w OnTimeWeek
	_, err = pgx.ForEachRow(rows, []any{&w.Carrier, &w.Week, &w.OnTime, &w.Late, &w.NoDate}, func() error {
		k := key{strings.ToLower(w.Carrier), w.Week.UTC()}
		if x := byKey[k]; x != nil {
			x.OnTime, x.Late, x.NoDate = x.OnTime+w.OnTime, x.Late+w.Late, x.NoDate+w.NoDate
			return nil
		}
		x := &OnTimeWeek{Carrier: k.carrier, Week: k.week, OnTime: w.OnTime, Late: w.Late, NoDate: w.NoDate}
		byKey[k] = x
		weeks = append(weeks, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count on-time deliveries since %s: %w", since.Format(time.RFC3339), err)
	}
	out := make([]OnTimeWeek, len(weeks))
	for i, x := range weeks {
		out[i] = *x
	}
	slices.SortFunc(out, func(a, b OnTimeWeek) int { return cmp.Or(a.Week.Compare(b.Week), cmp.Compare(a.Carrier, b.Carrier)) })
	return out, nil
}
