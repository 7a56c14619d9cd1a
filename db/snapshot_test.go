package db_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// t0 is the time snapshots are built around, at microsecond precision as Postgres keeps it.
var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

var serial atomic.Int64

// uniq names something (an order id, a carrier, a tracking number) no other test, nor another
// run of this one with -count, uses: the package's tests share one database.
func uniq(t *testing.T, what string) string {
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	return fmt.Sprintf("%s-%s-%d", name, what, serial.Add(1))
}

// newView is an order created at created with the given shipments, status shipped.
func newView(id string, created time.Time, shipments ...order.ShipmentView) order.View {
	return order.View{
		OrderID:   id,
		Status:    order.StatusShipped,
		Customer:  order.Customer{Name: "Ada Lovelace", Email: "ada@example.com"},
		Shipments: shipments,
		CreatedAt: created,
		UpdatedAt: created,
	}
}

func shipment(id, carrier, trackingNumber string, st order.ShipmentStatus) order.ShipmentView {
	return order.ShipmentView{ShipmentID: id, Carrier: carrier, TrackingNumber: trackingNumber, Status: st, ShippedAt: t0}
}

func entry(seq int64, when time.Time, typ string) order.Entry {
	return order.Entry{Seq: seq, At: when, Kind: order.KindTracking, Type: typ}
}

func save(t *testing.T, pool *pgxpool.Pool, s db.Snapshot) bool {
	t.Helper()
	fresh, err := db.SaveOrder(t.Context(), pool, s)
	if err != nil {
		t.Fatalf("SaveOrder(%s, revision %d): %v", s.View.OrderID, s.Revision, err)
	}
	return fresh
}

func get(t *testing.T, pool *pgxpool.Pool, id string) (order.View, int64) {
	t.Helper()
	v, rev, err := db.GetOrder(t.Context(), pool, id)
	if err != nil {
		t.Fatalf("GetOrder(%s): %v", id, err)
	}
	return v, rev
}

// sameJSON compares as clients see it, so time zones and nil-versus-empty agree with the wire.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// shipmentRows lists an order's rows in shipments as "id/status", comma separated.
func shipmentRows(t *testing.T, pool *pgxpool.Pool, orderID string) string {
	t.Helper()
	var s *string
	err := pool.QueryRow(t.Context(), `SELECT string_agg(shipment_id || '/' || status, ',' ORDER BY shipment_id) FROM shipments WHERE order_id = $1`, orderID).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}
