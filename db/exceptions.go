package db

import (
	"context"
	"fmt"
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
