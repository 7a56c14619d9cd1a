package outbound_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
)

func TestEventIDMatchesTheMigrationsBackfill(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	var got string
	err := pool.QueryRow(t.Context(), `SELECT 'evt_' || substr(encode(sha256(convert_to($1 || '/' || $2::bigint, 'UTF8')), 'hex'), 1, 24)`,
		"ord-ü-1", int64(42)).Scan(&got)
	if err != nil {
		t.Fatal(err)
	}
	if want := outbound.EventID("ord-ü-1", 42); got != want {
		t.Errorf("SQL backfill gives %s, outbound.EventID %s", got, want)
	}
}

// The fan-out test owns the endpoints table: RecordEvent reads every endpoint.
func TestRecordEventFansOutToSubscribedEndpoints(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	all := mustEndpoint(t, pool, nil)
	shipped := mustEndpoint(t, pool, []string{"order.shipped", "order.delivered"})
	created := mustEndpoint(t, pool, []string{"order.created"})
	off := mustEndpoint(t, pool, nil)
	disabled := false
	if _, err := outbound.UpdateEndpoint(ctx, pool, off.ID, outbound.EndpointChange{Enabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // t.Context() is done by the time cleanups run
		for _, e := range []outbound.Endpoint{all, shipped, created, off} {
			_ = outbound.DeleteEndpoint(context.Background(), pool, e.ID)
		}
	})

	e := outbound.Event{OrderID: uniq(t, "order"), Seq: 3, Type: "order.shipped", Data: json.RawMessage(`{}`), CreatedAt: t0}
	first, err := outbound.RecordEvent(ctx, pool, e)
	if err != nil {
		t.Fatal(err)
	}
	again, err := outbound.RecordEvent(ctx, pool, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || !slices.Equal(first, again) {
		t.Fatalf("deliveries %v then %v, want the same two (all types, order.shipped)", first, again)
	}
	var endpoints []string
	for _, id := range first {
		o, err := outbound.LoadOutgoing(ctx, pool, id)
		if err != nil {
			t.Fatal(err)
		}
		endpoints = append(endpoints, o.Endpoint.ID)
		if o.Event.ID != outbound.EventID(e.OrderID, e.Seq) || o.Delivery.Status != outbound.DeliveryPending {
			t.Errorf("delivery %s: event %s status %s", id, o.Event.ID, o.Delivery.Status)
		}
	}
	slices.Sort(endpoints)
	want := []string{all.ID, shipped.ID}
	slices.Sort(want)
	if !slices.Equal(endpoints, want) {
		t.Errorf("endpoints %v, want %v", endpoints, want)
	}

	// Once tried, a delivery is the workflow's: a retried RecordEvent does not hand it out again.
	rec := outbound.AttemptRecord{DeliveryID: first[0], Attempt: 1, At: t0, StatusCode: 200, Outcome: "delivered"}
	if _, err := outbound.RecordAttempt(ctx, pool, rec, time.Hour); err != nil {
		t.Fatal(err)
	}
	if left, err := outbound.RecordEvent(ctx, pool, e); err != nil || !slices.Equal(left, first[1:]) {
		t.Errorf("after one attempt: %v, %v; want %v", left, err, first[1:])
	}
}

func TestAttemptsDisableAnEndpointOnce(t *testing.T) {
	t.Parallel()
	ctx, pool := t.Context(), testenv.DB(t)
	for _, tc := range []struct {
		name  string
		fail  outbound.AttemptRecord // the second failure, a day after the first
		after time.Duration
		want  string // the notice's reason, "" for none
	}{
		{"410 disables at once", outbound.AttemptRecord{StatusCode: 410, Outcome: "gone", Gone: true}, 5 * 24 * time.Hour, "the endpoint answered 410 Gone at 2025-03-15T09:00:00Z"},
		{"failing for the whole window disables", outbound.AttemptRecord{StatusCode: 500, Outcome: "retry"}, 24 * time.Hour, "every delivery failed since 2025-03-14T09:00:00Z"},
		{"failing for less than the window does not", outbound.AttemptRecord{StatusCode: 500, Outcome: "retry"}, 48 * time.Hour, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep, id := endpointWithDelivery(t, pool)
			first := outbound.AttemptRecord{DeliveryID: id, Attempt: 1, At: t0, StatusCode: 503, Outcome: "retry", NextAttempt: t0.Add(time.Hour)}
			if n, err := outbound.RecordAttempt(ctx, pool, first, tc.after); err != nil || n != nil {
				t.Fatalf("first failure: notice %v, %v", n, err)
			}
			second := tc.fail
			second.DeliveryID, second.Attempt, second.At = id, 2, t0.Add(24*time.Hour)
			n, err := outbound.RecordAttempt(ctx, pool, second, tc.after)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if n != nil {
				got = n.Reason
			}
			if got != tc.want {
				t.Fatalf("notice %q, want %q", got, tc.want)
			}
			// The same attempt recorded again (a retried activity) neither notifies twice nor
			// adds a row.
			if n, err := outbound.RecordAttempt(ctx, pool, second, tc.after); err != nil || n != nil {
				t.Errorf("recorded again: notice %v, %v", n, err)
			}
			d, err := outbound.GetDelivery(ctx, pool, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Log) != 2 || d.Attempts != 2 {
				t.Errorf("log %d attempts, counter %d; want 2 and 2", len(d.Log), d.Attempts)
			}
			e, _ := outbound.GetEndpoint(ctx, pool, ep)
			if e.Enabled != (tc.want == "") || e.Disabled != tc.want {
				t.Errorf("endpoint enabled %v reason %q", e.Enabled, e.Disabled)
			}
		})
	}
}

func TestListDeliveriesPages(t *testing.T) {
	t.Parallel()
	ctx, pool := t.Context(), testenv.DB(t)
	ep, _ := endpointWithDelivery(t, pool)
	for i := range 4 {
		if _, err := pool.Exec(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, created_at)
			VALUES ($1, $2, $1, 'o', $3, 'order.shipped', $4)`, uniq(t, "d"), ep, i+2, t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var seen []int64
	p := outbound.DeliveryParams{Limit: 2}
	for range 10 {
		page, err := outbound.ListDeliveries(ctx, pool, ep, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Deliveries {
			seen = append(seen, d.Seq)
		}
		if p.Cursor = page.Next; p.Cursor == "" {
			break
		}
	}
	if want := []int64{5, 4, 3, 2, 1}; !slices.Equal(seen, want) {
		t.Errorf("pages gave %v, want %v", seen, want)
	}
	if _, err := outbound.ListDeliveries(ctx, pool, ep, outbound.DeliveryParams{Cursor: "nope"}); err != db.ErrBadCursor {
		t.Errorf("bad cursor: %v", err)
	}
}

// endpointWithDelivery makes an endpoint with one pending delivery, created at t0, of an event
// of its own, without fan-out (other tests' endpoints would get it too).
func endpointWithDelivery(t *testing.T, pool *pgxpool.Pool) (endpointID, deliveryID string) {
	t.Helper()
	e := mustEndpoint(t, pool, []string{"order.refund.processed"})
	deliveryID = uniq(t, "dlv")
	_, err := pool.Exec(t.Context(), `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, created_at)
		VALUES ($1, $2, $1, 'o', 1, 'order.shipped', $3)`, deliveryID, e.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID, deliveryID
}

// mustEndpoint makes an endpoint and deletes it when the test ends: the package's integration
// tests share the database, and every enabled endpoint receives their events.
func mustEndpoint(t *testing.T, pool *pgxpool.Pool, types []string) outbound.Endpoint {
	t.Helper()
	e, err := outbound.CreateEndpoint(t.Context(), pool, testenv.SecretCodec(t), "https://example.com/hook", t.Name(), types)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, e.ID) })
	return e
}

// The claim test owns the endpoints table too: its event fans out to every enabled endpoint.
func TestClaimDeliveries(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	a, b := mustEndpoint(t, pool, nil), mustEndpoint(t, pool, nil)
	t.Cleanup(func() {
		_ = outbound.DeleteEndpoint(context.Background(), pool, a.ID)
		_ = outbound.DeleteEndpoint(context.Background(), pool, b.ID)
	})
	e := outbound.Event{OrderID: uniq(t, "order"), Seq: 1, Type: "order.created", Data: json.RawMessage(`{}`), CreatedAt: t0}
	ids, err := outbound.RecordEvent(ctx, pool, e)
	if err != nil || len(ids) != 2 {
		t.Fatalf("record event: %v, %v", ids, err)
	}
	byEndpoint := map[string]string{}
	for _, id := range ids {
		o, err := outbound.LoadOutgoing(ctx, pool, id)
		if err != nil {
			t.Fatal(err)
		}
		byEndpoint[o.Endpoint.ID] = id
	}
	// claim returns which of this test's deliveries a pass claims.
	claim := func(busy ...string) []string {
		t.Helper()
		cs, err := outbound.ClaimDeliveries(ctx, pool, 1000, time.Minute, busy)
		if err != nil {
			t.Fatal(err)
		}
		var mine []string
		for _, c := range cs {
			if slices.Contains(ids, c.ID) {
				mine = append(mine, c.ID)
			}
		}
		slices.Sort(mine)
		return mine
	}
	da, dbID := byEndpoint[a.ID], byEndpoint[b.ID]
	if got := claim(b.ID); !slices.Equal(got, []string{da}) {
		t.Fatalf("with %s busy: claimed %v, want only %s", b.ID, got, da)
	}
	if got := claim(b.ID); len(got) != 0 {
		t.Fatalf("a leased delivery was claimed again: %v", got)
	}
	if err := outbound.ReleaseDelivery(ctx, pool, da); err != nil {
		t.Fatal(err)
	}
	if got := claim(b.ID); !slices.Equal(got, []string{da}) {
		t.Fatalf("after release: %v", got)
	}
	if err := outbound.HandOff(ctx, pool, da); err != nil {
		t.Fatal(err)
	}
	if got := claim(); !slices.Equal(got, []string{dbID}) {
		t.Fatalf("after handing %s on: %v, want only %s", da, got, dbID)
	}
	// A lease that ran out (its dispatcher died) frees the delivery for the next pass.
	if _, err := pool.Exec(ctx, `UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`, dbID); err != nil {
		t.Fatal(err)
	}
	if got := claim(); !slices.Equal(got, []string{dbID}) {
		t.Fatalf("after the lease ran out: %v", got)
	}
	// A person's retry is carried out by the workflow, never by a dispatcher.
	if _, err := pool.Exec(ctx, `UPDATE webhook_deliveries SET lease_until = NULL WHERE id = $1`, dbID); err != nil {
		t.Fatal(err)
	}
	d, err := outbound.GetDelivery(ctx, pool, dbID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbound.MarkRetried(ctx, pool, d); err != nil {
		t.Fatal(err)
	}
	if got := claim(); len(got) != 0 {
		t.Fatalf("a delivery retried by hand was claimed: %v", got)
	}
}

func TestRecordEventIdempotent(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	e := outbound.Event{OrderID: uniq(t, "order"), Seq: 1, Type: "order.shipped", ShipmentID: "s1", Data: json.RawMessage(`{"n":1}`), CreatedAt: t0}
	for i := range 2 {
		if _, err := outbound.RecordEvent(t.Context(), pool, e); err != nil {
			t.Fatalf("RecordEvent attempt %d: %v", i+1, err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM order_events WHERE order_id = $1 AND seq = 1`, e.OrderID); n != 1 {
		t.Errorf("rows = %d, want 1", n)
	}
}

// t0 is the store tests' fixed time.
var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

var serial atomic.Int64

// uniq names something (an order id, a delivery id) no other test, nor another run of this
// one, uses.
func uniq(t *testing.T, what string) string {
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	return fmt.Sprintf("%s-%s-%d", name, what, serial.Add(1))
}

func count(t *testing.T, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// A destination's kind is stored with it: every endpoint the API makes is a webhook, and
// Postgres refuses a kind no transport sends.
func TestEndpointKind(t *testing.T) {
	t.Parallel()
	ctx, pool := t.Context(), testenv.DB(t)
	e := mustEndpoint(t, pool, []string{"order.refund.processed"})
	got, err := outbound.GetEndpoint(ctx, pool, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != outbound.KindWebhook || got.Kind != outbound.KindWebhook {
		t.Errorf("kind %q, stored %q, want %q", e.Kind, got.Kind, outbound.KindWebhook)
	}
	_, err = pool.Exec(ctx, `UPDATE webhook_endpoints SET kind = 'carrier-pigeon' WHERE id = $1`, e.ID)
	if !db.Refused(err) {
		t.Errorf("unknown kind stored: %v", err)
	}
}

// An order's deliveries are those of its own events, to every endpoint, newest first.
func TestOrderDeliveries(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	a, b := mustEndpoint(t, pool, nil), mustEndpoint(t, pool, []string{"order.shipped"})
	orderID, other := uniq(t, "order"), uniq(t, "order")
	for _, e := range []outbound.Event{
		{OrderID: orderID, Seq: 1, Type: "order.created", Data: json.RawMessage(`{}`), CreatedAt: t0},
		{OrderID: orderID, Seq: 2, Type: "order.shipped", Data: json.RawMessage(`{}`), CreatedAt: t0.Add(time.Hour)},
		{OrderID: other, Seq: 1, Type: "order.created", Data: json.RawMessage(`{}`), CreatedAt: t0},
	} {
		if _, err := outbound.RecordEvent(ctx, pool, e); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := outbound.OrderDeliveries(ctx, pool, orderID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		if d.OrderID != orderID {
			t.Errorf("delivery %s of order %s", d.ID, d.OrderID)
		}
		if d.EndpointID == a.ID || d.EndpointID == b.ID {
			got = append(got, fmt.Sprintf("%s %d %s", d.Type, d.Seq, d.Status))
		}
	}
	// created goes to a; shipped to both, recorded later, so first.
	if len(got) != 3 || got[0] != "order.shipped 2 pending" || got[2] != "order.created 1 pending" {
		t.Errorf("deliveries %q", got)
	}
	if ds, err := outbound.OrderDeliveries(ctx, pool, orderID, 1); err != nil || len(ds) != 1 {
		t.Errorf("limit 1: %d deliveries, %v", len(ds), err)
	}
}
