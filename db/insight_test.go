package db_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// emptyDB is a migrated database of the test's own: the insight aggregates count whole
// windows, which other tests' rows would join.
func emptyDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	url := testenv.NewDatabaseURL(t)
	if err := db.EnsureDatabase(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	pool := open(t, url)
	if _, err := db.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

func delivered(id, carrier string, at time.Time, eta *time.Time) order.ShipmentView {
	s := shipment(id, carrier, "TN-"+id, order.ShipmentDelivered)
	s.DeliveredAt, s.EstimatedDelivery = &at, eta
	return s
}

func TestOnTimeByWeek(t *testing.T) {
	t.Parallel()
	pool := emptyDB(t)
	mon := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) // ISO week 2026-W49
	day := func(d int, h int) time.Time { return mon.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }

	// Week 49, DHL: on time by the estimated day (until its end), late, no date at all.
	save(t, pool, db.Snapshot{Revision: 1, View: newView("w49-a", mon, delivered("s1", "DHL", day(1, 23), ptr(day(1, 0))))})
	save(t, pool, db.Snapshot{Revision: 1, View: newView("w49-b", mon, delivered("s1", "dhl", day(2, 1), ptr(day(1, 0))))})
	save(t, pool, db.Snapshot{Revision: 1, View: newView("w49-c", mon, delivered("s1", "DHL", day(3, 0), nil))})
	// The shop's promise over the carrier's later estimate: late.
	promised := newView("w49-d", mon, delivered("s1", "UPS", day(4, 12), ptr(day(5, 0))))
	promised.PromisedDelivery = ptr(day(3, 0))
	save(t, pool, db.Snapshot{Revision: 1, View: promised})
	// A split order: one parcel delivered in week 50, one still on its way; a return parcel
	// delivered back to the shop is nobody's delay.
	split := newView("w50-a", mon, delivered("s1", "UPS", day(7, 9), ptr(day(8, 0))), shipment("s2", "UPS", "TN-s2", order.ShipmentInTransit))
	back := delivered("s3", "UPS", day(8, 9), ptr(day(1, 0)))
	back.Return = true
	split.Shipments = append(split.Shipments, back)
	save(t, pool, db.Snapshot{Revision: 1, View: split})
	// Before the window.
	save(t, pool, db.Snapshot{Revision: 1, View: newView("w48-a", mon, delivered("s1", "DHL", day(-3, 0), nil))})

	weeks, err := db.OnTimeByWeek(t.Context(), pool, mon)
	if err != nil {
		t.Fatal(err)
	}
	want := []db.OnTimeWeek{
		{Carrier: "dhl", Week: mon, OnTime: 1, Late: 1, NoDate: 1},
		{Carrier: "ups", Week: mon, Late: 1},
		{Carrier: "ups", Week: mon.AddDate(0, 0, 7), OnTime: 1},
	}
	if len(weeks) != len(want) {
		t.Fatalf("weeks %+v, want %+v", weeks, want)
	}
	for i := range want {
		if weeks[i] != want[i] {
			t.Errorf("week %d: %+v, want %+v", i, weeks[i], want[i])
		}
	}
}

func TestExceptionHistory(t *testing.T) {
	t.Parallel()
	pool := emptyDB(t)
	raised := func(v order.View, r order.ExceptionReason, at time.Time) order.View {
		v.Status, v.UpdatedAt = order.StatusException, at
		v.Exception = &order.Exception{Reason: r, ShipmentID: "s1", RaisedAt: at}
		return v
	}
	cleared := func(v order.View, st order.Status, at time.Time) order.View {
		v.Status, v.UpdatedAt, v.Exception = st, at, nil
		return v
	}
	v := newView("carrier", t0, shipment("s1", "DHL", "TN1", order.ShipmentInTransit))
	save(t, pool, db.Snapshot{Revision: 1, View: v})
	save(t, pool, db.Snapshot{Revision: 2, View: raised(v, order.ReasonStale, at(time.Hour))})
	save(t, pool, db.Snapshot{Revision: 3, View: raised(v, order.ReasonStale, at(time.Hour))}) // the same one, again
	save(t, pool, db.Snapshot{Revision: 4, View: cleared(v, order.StatusInTransit, at(3*time.Hour))})
	// A stale projection of the open exception changes nothing.
	save(t, pool, db.Snapshot{Revision: 2, View: raised(v, order.ReasonStale, at(time.Hour))})

	w := newView("staff", t0, shipment("s1", "DHL", "TN2", order.ShipmentException))
	save(t, pool, db.Snapshot{Revision: 1, View: raised(w, order.ReasonCarrierException, at(2*time.Hour))})
	note := order.Entry{Seq: 5, At: at(7 * time.Hour), Kind: order.KindStaff, Type: order.EntryExceptionResolved, Actor: "ops"}
	save(t, pool, db.Snapshot{Revision: 2, View: cleared(w, order.StatusInTransit, at(7*time.Hour)), Entries: []order.Entry{note}})

	x := newView("closed", t0, shipment("s1", "DHL", "TN3", order.ShipmentException))
	save(t, pool, db.Snapshot{Revision: 1, View: raised(x, order.ReasonCarrierException, at(time.Hour))})
	save(t, pool, db.Snapshot{Revision: 2, View: cleared(x, order.StatusCancelled, at(2*time.Hour))})

	y := newView("open", t0, shipment("s1", "DHL", "TN4", order.ShipmentInTransit))
	save(t, pool, db.Snapshot{Revision: 1, View: raised(y, order.ReasonLate, at(4*time.Hour))})

	rows, err := pool.Query(t.Context(), `SELECT order_id || ' ' || reason || ' ' || COALESCE(resolution, '') || ' ' ||
		COALESCE(extract(epoch FROM resolved_at - raised_at)::text, 'open') FROM order_exceptions ORDER BY order_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	want := []string{
		"carrier stale carrier_progress 7200.000000",
		"closed carrier_exception order_closed 3600.000000",
		"open late  open",
		"staff carrier_exception resolved_by_staff 18000.000000",
	}
	if len(got) != len(want) {
		t.Fatalf("history:\n%q\nwant\n%q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %q, want %q", i, got[i], want[i])
		}
	}

	stats, err := db.ExceptionStats(t.Context(), pool, t0)
	if err != nil {
		t.Fatal(err)
	}
	wantStats := []db.ExceptionStat{
		{Reason: order.ReasonCarrierException, Raised: 2, Resolved: 2, ByStaff: 1, Median: 3 * time.Hour, P90: 4*time.Hour + 36*time.Minute},
		{Reason: order.ReasonLate, Raised: 1},
		{Reason: order.ReasonStale, Raised: 1, Resolved: 1, Median: 2 * time.Hour, P90: 2 * time.Hour},
	}
	if len(stats) != len(wantStats) {
		t.Fatalf("stats %+v, want %+v", stats, wantStats)
	}
	for i := range wantStats {
		if stats[i] != wantStats[i] {
			t.Errorf("stat %d: %+v, want %+v", i, stats[i], wantStats[i])
		}
	}
	if later, err := db.ExceptionStats(t.Context(), pool, at(2*time.Hour)); err != nil || len(later) != 2 {
		t.Errorf("from the second hour: %+v, %v; want the two raised since", later, err)
	}
}

// TestInsightMigrationFillsOldRows: shipments and open exceptions projected before migration
// 00025 get the delivery times, dates and history the projection writes now.
func TestInsightMigrationFillsOldRows(t *testing.T) {
	t.Parallel()
	url := testenv.NewDatabaseURL(t)
	if err := db.EnsureDatabase(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	pool := open(t, url)
	if err := db.MigrateTo(t.Context(), pool, 24); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 5, 8, 0, 0, 0, 0, time.UTC)
	v := newView("old", t0,
		delivered("s1", "DPD", day.Add(20*time.Hour), ptr(day)),
		delivered("s2", "DPD", day.Add(30*time.Hour), ptr(day.Add(12*time.Hour))))
	v.Shipments[1].Return = true
	v.Exception = &order.Exception{Reason: order.ReasonCarrierException, ShipmentID: "s1", RaisedAt: at(time.Hour)}
	promised := newView("promised", t0, delivered("s1", "DPD", day.Add(20*time.Hour), ptr(day.AddDate(0, 0, 3))))
	promised.PromisedDelivery = ptr(day.Add(15 * time.Hour))
	for _, v := range []order.View{v, promised} {
		_, err := pool.Exec(t.Context(), `INSERT INTO orders (order_id, status, customer, view, has_open_exception, revision, created_at, updated_at)
			VALUES ($1, $2, '{}', $3, $4, 1, $5, $5)`, v.OrderID, v.Status, v, v.Exception != nil, v.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range v.Shipments {
			if _, err := pool.Exec(t.Context(), `INSERT INTO shipments (order_id, shipment_id, carrier, tracking_number, tracking_key, status)
				VALUES ($1, $2, $3, $4, $4, $5)`, v.OrderID, s.ShipmentID, s.Carrier, s.TrackingNumber, s.Status); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		order, shipment string
		v               order.View
	}{{"old", "s1", v}, {"old", "s2", v}, {"promised", "s1", promised}} {
		var got struct {
			delivered, due *time.Time
			ret            bool
		}
		err := pool.QueryRow(t.Context(), `SELECT delivered_at, due_at, is_return FROM shipments WHERE order_id = $1 AND shipment_id = $2`,
			tc.order, tc.shipment).Scan(&got.delivered, &got.due, &got.ret)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		if tc.shipment == "s2" {
			i = 1
		}
		s := tc.v.Shipments[i]
		want := tc.v.DueBy(s) // the migration's SQL is the rule's, once
		if !same(got.delivered, s.DeliveredAt) || !same(got.due, want) || got.ret != s.Return {
			t.Errorf("%s/%s: delivered %v due %v return %v; want %v, %v, %v", tc.order, tc.shipment,
				got.delivered, got.due, got.ret, s.DeliveredAt, want, s.Return)
		}
	}
	stats, err := db.ExceptionStats(t.Context(), pool, t0)
	if err != nil || len(stats) != 1 || stats[0].Raised != 1 || stats[0].Open() != 1 {
		t.Errorf("open exception carried over: %+v, %v", stats, err)
	}
}

func same(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
