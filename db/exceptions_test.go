package db_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// The exceptions queue is every open exception, the longest open first, a page at a time, on
// a database of its own (the queue is global, and the package's tests share one database).
func TestListExceptions(t *testing.T) {
	t.Parallel()
	pool := emptyDB(t)
	raised := map[string]time.Time{
		"late": at(3 * time.Hour), "first": at(time.Hour), "same-second-b": at(2 * time.Hour), "same-second-a": at(2 * time.Hour),
		"fraction": at(2*time.Hour + 1500*time.Millisecond),
	}
	for id, when := range raised {
		v := newView(id, t0)
		v.Status = order.StatusException
		v.Exception = &order.Exception{Reason: order.ReasonStale, RaisedAt: when}
		save(t, pool, db.Snapshot{Revision: 1, View: v})
	}
	save(t, pool, db.Snapshot{Revision: 1, View: newView("calm", t0)})

	var got []string
	cursor := ""
	for range 5 {
		page, err := db.ListExceptions(t.Context(), pool, 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Orders {
			if v.Exception == nil || v.Timeline == nil {
				t.Errorf("order %s: exception %v, timeline %v", v.OrderID, v.Exception, v.Timeline)
			}
			got = append(got, v.OrderID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	want := []string{"first", "same-second-a", "same-second-b", "fraction", "late"}
	if !slices.Equal(got, want) {
		t.Errorf("queue %v, want %v", got, want)
	}
	if _, err := db.ListExceptions(t.Context(), pool, 2, "nonsense!"); !errors.Is(err, db.ErrBadCursor) {
		t.Errorf("bad cursor: %v", err)
	}

	// The queue is read from its own index, not by walking the orders.
	var plan strings.Builder
	err := func() error {
		tx, err := pool.Begin(t.Context())
		if err != nil {
			return err
		}
		defer tx.Rollback(t.Context())
		if _, err := tx.Exec(t.Context(), `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(t.Context(), `EXPLAIN SELECT view FROM orders WHERE has_open_exception
			AND ((view -> 'exception' ->> 'raised_at'), order_id) > ('2025', '') ORDER BY (view -> 'exception' ->> 'raised_at'), order_id LIMIT 3`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan.WriteString(line + "\n")
		}
		return rows.Err()
	}()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.String(), "orders_open_exception_idx") || strings.Contains(plan.String(), "Sort") {
		t.Errorf("the queue's plan does not walk orders_open_exception_idx:\n%s", plan.String())
	}
}
