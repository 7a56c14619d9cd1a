package db_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

func TestSaveOrderRoundTrips(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	id := uniq(t, "order")
	sh := shipment("s1", "UPS", "1Z999AA10123456784", order.ShipmentInTransit)
	sh.Substatus = "arrived_at_facility"
	sh.LastLocation = &order.Location{City: "Leeds", Country: "GB"}
	sh.EstimatedDelivery = ptr(at(48 * time.Hour))
	sh.LastEventAt = ptr(at(2 * time.Hour))
	sh.Items = []string{"SKU-1"}
	v := newView(id, t0, sh)
	v.Status = order.StatusException
	v.Customer = order.Customer{Name: "Grace Hopper", Email: "grace@example.com", Phone: "+441130000000", Locale: "en-GB", TimeZone: "Europe/London"}
	v.Items = []order.Item{{SKU: "SKU-1", Name: "Widget", Quantity: 2}}
	v.Exception = &order.Exception{Reason: order.ReasonCarrierException, ShipmentID: "s1", Message: "damaged", RaisedAt: at(2 * time.Hour), Source: "ups"}
	v.UpdatedAt = at(2 * time.Hour)

	full := entry(4, at(time.Hour), "in_transit")
	full.ShipmentID, full.TrackingNumber, full.Substatus, full.Description = "s1", sh.TrackingNumber, "scanned", "Scanned at depot"
	full.Location = &order.Location{City: "Leeds", PostalCode: "LS1", Country: "GB"}
	full.Ignored, full.Note, full.EventID, full.Source, full.Actor = true, "older than last scan", "evt-4", "ups", "carrier"
	entries := []order.Entry{
		entry(1, t0, "order.created"),
		entry(2, at(2*time.Hour), "exception.raised"),
		entry(3, at(2*time.Hour), "exception"),
		full,
	}
	if !save(t, pool, db.Snapshot{Revision: 7, View: v, Entries: entries}) {
		t.Fatal("SaveOrder of a new order returned false")
	}

	got, rev := get(t, pool, id)
	if rev != 7 {
		t.Errorf("revision = %d, want 7", rev)
	}
	want := v
	// Newest first; entries 2 and 3 share a time, so the later recorded (3) comes first.
	want.Timeline = []order.Entry{entries[2], entries[1], entries[3], entries[0]}
	sameJSON(t, "view", got, want)
}

func TestSaveOrderRevisionGuard(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	for _, stale := range []int64{2, 3} { // an older revision, and revision 3 retried
		t.Run(fmt.Sprint("revision ", stale), func(t *testing.T) {
			id := uniq(t, "order")
			current := newView(id, t0, shipment("s1", "DHL", "JD0001", order.ShipmentOutForDelivery))
			current.Status = order.StatusOutForDelivery
			save(t, pool, db.Snapshot{Revision: 3, View: current, Entries: []order.Entry{entry(1, t0, "a"), entry(2, at(time.Minute), "b")}})

			old := newView(id, t0, shipment("s1", "DHL", "JD0001", order.ShipmentInTransit), shipment("s2", "DHL", "JD0002", order.ShipmentInTransit))
			old.Status = order.StatusInTransit
			if save(t, pool, db.Snapshot{Revision: stale, View: old, Entries: []order.Entry{entry(2, at(time.Minute), "b"), entry(3, at(2*time.Minute), "c")}}) {
				t.Errorf("SaveOrder of revision %d over 3 returned true", stale)
			}

			got, rev := get(t, pool, id)
			if rev != 3 || got.Status != order.StatusOutForDelivery {
				t.Errorf("revision %d status %s, want 3 %s", rev, got.Status, order.StatusOutForDelivery)
			}
			sameJSON(t, "shipments", got.Shipments, current.Shipments)
			if rows := shipmentRows(t, pool, id); rows != "s1/out_for_delivery" {
				t.Errorf("shipment rows = %s, want s1/out_for_delivery", rows)
			}
			var seqs []int64
			for _, e := range got.Timeline {
				seqs = append(seqs, e.Seq)
			}
			if fmt.Sprint(seqs) != "[3 2 1]" {
				t.Errorf("timeline seqs = %v, want [3 2 1]", seqs)
			}
		})
	}
}

func TestSaveOrderReplacesShipments(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	id := uniq(t, "order")
	save(t, pool, db.Snapshot{Revision: 1, View: newView(id, t0,
		shipment("s1", "UPS", "1z 999 aa1", order.ShipmentInTransit),
		shipment("s2", "UPS", " 1z 999 aa2 ", order.ShipmentInTransit))})
	if !save(t, pool, db.Snapshot{Revision: 2, View: newView(id, t0, shipment("s2", "UPS", " 1z 999 aa2 ", order.ShipmentDelivered))}) {
		t.Fatal("SaveOrder of a newer revision returned false")
	}
	if rows := shipmentRows(t, pool, id); rows != "s2/delivered" {
		t.Errorf("shipment rows = %s, want s2/delivered", rows)
	}
	var key string
	if err := pool.QueryRow(t.Context(), `SELECT tracking_key FROM shipments WHERE order_id = $1`, id).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if want := order.TrackingKey(" 1z 999 aa2 "); key != want {
		t.Errorf("tracking_key = %q, want %q", key, want)
	}
}

func TestGetOrderUnknown(t *testing.T) {
	t.Parallel()
	_, _, err := db.GetOrder(t.Context(), testenv.DB(t), uniq(t, "missing"))
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("GetOrder of an unknown order: %v, want ErrNotFound", err)
	}
}

func TestSaveOrderSummaryColumns(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	withETA := func(sh order.ShipmentView, eta time.Time) order.ShipmentView {
		sh.EstimatedDelivery = &eta
		return sh
	}
	tests := []struct {
		name      string
		exception *order.Exception
		shipments []order.ShipmentView
		wantETA   *time.Time
	}{
		{name: "no shipments"},
		{name: "open exception", exception: &order.Exception{Reason: order.ReasonCarrierException, RaisedAt: t0}},
		{name: "no estimate", shipments: []order.ShipmentView{shipment("s1", "UPS", "A1", order.ShipmentInTransit)}},
		{
			name: "latest among shipments on their way",
			shipments: []order.ShipmentView{
				withETA(shipment("s1", "UPS", "A1", order.ShipmentInTransit), at(24*time.Hour)),
				withETA(shipment("s2", "UPS", "A2", order.ShipmentOutForDelivery), at(72*time.Hour)),
				withETA(shipment("s3", "UPS", "A3", order.ShipmentDelivered), at(96*time.Hour)),
				withETA(shipment("s4", "UPS", "A4", order.ShipmentCancelled), at(120*time.Hour)),
				shipment("s5", "UPS", "A5", order.ShipmentInfoReceived),
			},
			wantETA: ptr(at(72 * time.Hour)),
		},
		{
			name: "only delivered or cancelled",
			shipments: []order.ShipmentView{
				withETA(shipment("s1", "UPS", "A1", order.ShipmentDelivered), at(24*time.Hour)),
				withETA(shipment("s2", "UPS", "A2", order.ShipmentCancelled), at(48*time.Hour)),
			},
		},
		{
			name: "delivered and returned to sender",
			shipments: []order.ShipmentView{
				withETA(shipment("s1", "UPS", "A1", order.ShipmentDelivered), at(24*time.Hour)),
				withETA(shipment("s2", "UPS", "A2", order.ShipmentReturnedToSender), at(48*time.Hour)),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newView(uniq(t, "order"), t0, tt.shipments...)
			v.Exception = tt.exception
			save(t, pool, db.Snapshot{Revision: 1, View: v})
			var open bool
			var eta *time.Time
			err := pool.QueryRow(t.Context(), `SELECT has_open_exception, estimated_delivery FROM orders WHERE order_id = $1`, v.OrderID).Scan(&open, &eta)
			if err != nil {
				t.Fatal(err)
			}
			if open != (tt.exception != nil) {
				t.Errorf("has_open_exception = %v, want %v", open, tt.exception != nil)
			}
			if (eta == nil) != (tt.wantETA == nil) || eta != nil && !eta.Equal(*tt.wantETA) {
				t.Errorf("estimated_delivery = %v, want %v", eta, tt.wantETA)
			}
			if got := v.ETA(); (got == nil) != (tt.wantETA == nil) || got != nil && !got.Equal(*tt.wantETA) {
				t.Errorf("View.ETA = %v, want %v", got, tt.wantETA)
			}
		})
	}
}

func TestOrderForTracking(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	tn := uniq(t, "1z") // recycled: both orders carry it
	older, newer := uniq(t, "older"), uniq(t, "newer")
	save(t, pool, db.Snapshot{Revision: 1, View: newView(older, t0, shipment("s1", "DHL", tn, order.ShipmentDelivered))})
	save(t, pool, db.Snapshot{Revision: 1, View: newView(newer, at(time.Hour), shipment("s1", "UPS", tn, order.ShipmentInTransit))})

	tests := []struct {
		name, trackingNumber, carrier, want string
	}{
		{"newest wins", tn, "", newer},
		{"case and spaces ignored", " " + spaced(tn) + " ", "", newer},
		{"carrier narrows", tn, "DHL", older},
		{"carrier case ignored", tn, "dhl", older},
		{"carrier without it", tn, "FedEx", ""},
		{"unknown number", uniq(t, "unknown"), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.OrderForTracking(t.Context(), pool, tt.trackingNumber, tt.carrier)
			if tt.want == "" {
				if !errors.Is(err, db.ErrNotFound) {
					t.Fatalf("OrderForTracking(%q, %q) = %q, %v; want ErrNotFound", tt.trackingNumber, tt.carrier, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("OrderForTracking(%q, %q) = %q, %v; want %q", tt.trackingNumber, tt.carrier, got, err, tt.want)
			}
		})
	}
}

// spaced lower-cases s and puts a space after every third character, as a customer might type it.
func spaced(s string) string {
	var b []rune
	for i, r := range []rune(s) {
		if i > 0 && i%3 == 0 {
			b = append(b, ' ')
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b = append(b, r)
	}
	return string(b)
}

func TestCountAndDeleteOrdersByPrefix(t *testing.T) {
	t.Parallel()
	ctx, pool := t.Context(), testenv.DB(t)
	prefix := uniq(t, "bench") + "-"
	for i, st := range []order.Status{order.StatusInTransit, order.StatusInTransit, order.StatusDelivered} {
		v := newView(fmt.Sprint(prefix, i), t0)
		v.Status = st
		save(t, pool, db.Snapshot{Revision: 1, View: v})
	}
	count := func(st order.Status) int {
		t.Helper()
		n, err := db.CountOrders(ctx, pool, prefix, st)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if all, moving, done := count(""), count(order.StatusInTransit), count(order.StatusDelivered); all != 3 || moving != 2 || done != 1 {
		t.Errorf("counted %d, %d in transit, %d delivered; want 3, 2, 1", all, moving, done)
	}
	if err := db.DeleteOrders(ctx, pool, prefix); err != nil {
		t.Fatal(err)
	}
	if n := count(""); n != 0 {
		t.Errorf("%d orders left after DeleteOrders", n)
	}
}

func TestOrderCustomer(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	id := uniq(t, "order")
	v := newView(id, t0)
	v.Customer = order.Customer{Name: "Ona Žemaitė", Email: "ona@example.lt", Locale: "lt-LT", TimeZone: "Europe/Vilnius"}
	save(t, pool, db.Snapshot{Revision: 1, View: v})
	if c, err := db.OrderCustomer(t.Context(), pool, id); err != nil || c != v.Customer {
		t.Errorf("OrderCustomer = %+v, %v; want %+v", c, err, v.Customer)
	}
	if _, err := db.OrderCustomer(t.Context(), pool, uniq(t, "missing")); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("OrderCustomer of an unknown order: %v, want ErrNotFound", err)
	}
}

// TestSaveOrderKeepsProofOfDelivery: the carrier's proof of delivery survives the read model,
// on the shipment (the view's JSON) and on the delivered scan's timeline entry (its own
// column), for the tracking page, the API and the voice answer, which read it from there.
func TestSaveOrderKeepsProofOfDelivery(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	id := uniq(t, "order")
	proof := order.Proof{SignedBy: "J. Smith", Location: "Front door", Place: order.PlaceFrontDoor, PhotoURL: "https://pod.example.com/p/1.jpg"}
	sh := shipment("s1", "UPS", "1Z999AA10123456784", order.ShipmentDelivered)
	sh.DeliveredAt = ptr(at(3 * time.Hour))
	sh.Proof = &proof
	v := newView(id, t0, sh)
	v.Status = order.StatusDelivered
	delivered := entry(2, at(3*time.Hour), "delivered")
	delivered.ShipmentID, delivered.TrackingNumber, delivered.Proof = "s1", sh.TrackingNumber, &proof
	save(t, pool, db.Snapshot{Revision: 2, View: v, Entries: []order.Entry{entry(1, t0, "order.created"), delivered}})

	got, _ := get(t, pool, id)
	if p := got.Shipments[0].Proof; p == nil || *p != proof {
		t.Errorf("shipment proof %+v, want %+v", p, proof)
	}
	if len(got.Timeline) != 2 || got.Timeline[0].Proof == nil || *got.Timeline[0].Proof != proof || got.Timeline[1].Proof != nil {
		t.Errorf("timeline %+v, want the delivered scan's proof on it alone", got.Timeline)
	}
}
