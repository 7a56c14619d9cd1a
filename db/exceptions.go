package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/order"
)

// raisedAt is the read model's expression for when an order's open exception was raised, as
// orders_open_exception_idx (migration 00024) indexes it: the view's RFC 3339 text, in UTC.
const raisedAt = `(view -> 'exception' ->> 'raised_at')`

// ListExceptions returns the orders with an open exception, the longest open first: the
// exceptions queue staff work through. Pages are keyed on (raised_at, order_id), read from
// orders_open_exception_idx, which holds only these orders, so a page costs one index walk
// however many orders there are. Views come without timelines.
func ListExceptions(ctx context.Context, ex Executor, limit int, cursor string) (OrderPage, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	after, afterID, err := DecodeCursor(cursor)
	if err != nil {
		return OrderPage{}, err
	}
	q := `SELECT view FROM orders WHERE has_open_exception`
	args := []any{limit + 1}
	if after != nil {
		// The cursor's time written as the view writes it (time.Time's JSON), so the text
		// comparison resumes exactly after the last row.
		q += ` AND (` + raisedAt + `, order_id) > ($2, $3)`
		args = append(args, after.UTC().Format(time.RFC3339Nano), afterID)
	}
	rows, err := ex.Query(ctx, q+` ORDER BY `+raisedAt+`, order_id LIMIT $1`, args...)
	if err != nil {
		return OrderPage{}, fmt.Errorf("list open exceptions: %w", err)
	}
	views, err := pgx.CollectRows(rows, pgx.RowTo[order.View])
	if err != nil {
		return OrderPage{}, fmt.Errorf("list open exceptions: %w", err)
	}
	page := OrderPage{Orders: views}
	if len(views) > limit {
		page.Orders = views[:limit]
		last := views[limit-1]
		var at time.Time
		if last.Exception != nil { // always: has_open_exception is written from it
			at = last.Exception.RaisedAt
		}
		page.Next = EncodeCursor(at, last.OrderID)
	}
	for i := range page.Orders {
		page.Orders[i].Timeline = []order.Entry{}
	}
	return page, nil
}

// queueExceptions keeps order_exceptions in step with a fresh snapshot: the open exception is
// recorded once, and any other still open for the order is closed at the snapshot's time, so
// the history holds exceptions a carrier scan or a cancellation closed, which leave no
// timeline entry. An exception raised and closed between two projections is never seen: it
// was never visible to staff either.
func queueExceptions(b *pgx.Batch, s Snapshot) {
	v := s.View
	var raised *time.Time
	var reason string
	if x := v.Exception; x != nil {
		raised, reason = &x.RaisedAt, string(x.Reason)
		b.Queue(`INSERT INTO order_exceptions (order_id, raised_at, reason, shipment_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, v.OrderID, x.RaisedAt, reason, x.ShipmentID)
	}
	b.Queue(`UPDATE order_exceptions SET resolved_at = greatest($2, raised_at), resolution = $3
		WHERE order_id = $1 AND resolved_at IS NULL AND ($4::timestamptz IS NULL OR (raised_at, reason) <> ($4, $5))`,
		v.OrderID, v.UpdatedAt, resolution(s), raised, reason)
}

// resolution is how the exception a snapshot no longer has was closed: the order ending closes
// it, a staff entry in the same change resolved it, and otherwise the carrier's progress did
// (the rules of order.Order.clear's callers).
func resolution(s Snapshot) string {
	switch {
	case s.View.Status == order.StatusCancelled || s.View.Status == order.StatusReturned:
		return order.OrderClosed
	case slices.ContainsFunc(s.Entries, func(e order.Entry) bool { return e.Type == order.EntryExceptionResolved }):
		return order.ResolvedByStaff
	}
	return order.CarrierProgress
}

// ExceptionStat is how the exceptions of one reason raised in a window went.
type ExceptionStat struct {
	Reason order.ExceptionReason
	// Raised counts them; Resolved those closed since, ByStaff those a person resolved.
	Raised, Resolved, ByStaff int
	// Median and P90 are the time to resolve among the resolved; zero when none is.
	Median, P90 time.Duration
}

// Open counts those still open.
func (s ExceptionStat) Open() int { return s.Raised - s.Resolved }

// ExceptionStats counts the exceptions raised since since, by reason, most raised first. It
// reads order_exceptions_raised_idx over the window alone (an index-only scan).
func ExceptionStats(ctx context.Context, ex Executor, since time.Time) ([]ExceptionStat, error) {
	rows, err := ex.Query(ctx, `
		SELECT reason, count(*), count(resolved_at), count(*) FILTER (WHERE resolution = $2),
			COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - raised_at)), 0),
			COALESCE(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - raised_at)), 0)
		FROM order_exceptions WHERE raised_at >= $1
		GROUP BY reason ORDER BY count(*) DESC, reason`, since, order.ResolvedByStaff)
	if err != nil {
		return nil, fmt.Errorf("count exceptions since %s: %w", since.Format(time.RFC3339), err)
	}
	stats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExceptionStat, error) {
		var s ExceptionStat
		var median, p90 float64
		err := r.Scan(&s.Reason, &s.Raised, &s.Resolved, &s.ByStaff, &median, &p90)
		s.Median, s.P90 = seconds(median), seconds(p90)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("count exceptions since %s: %w", since.Format(time.RFC3339), err)
	}
	return stats, nil
}

// seconds is a duration Postgres gave in seconds, to the second.
func seconds(s float64) time.Duration { return time.Duration(s) * time.Second }
