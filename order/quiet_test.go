package order_test

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestQuietHoursWait(t *testing.T) {
	night := order.QuietHours{Start: 21 * 60, End: 8 * 60}
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		name string
		q    order.QuietHours
		now  time.Time
		tz   string
		want time.Duration
	}{
		{"afternoon in Vilnius", night, utc("2026-05-07T12:00:00Z"), "Europe/Vilnius", 0},
		{"23:00 in Vilnius waits until 08:00", night, utc("2026-05-07T20:00:00Z"), "Europe/Vilnius", 9 * time.Hour},
		{"03:30 in Vilnius waits until 08:00", night, utc("2026-05-07T00:30:00Z"), "Europe/Vilnius", 4*time.Hour + 30*time.Minute},
		{"20:59 is not quiet yet", night, utc("2026-05-07T17:59:00Z"), "Europe/Vilnius", 0},
		{"08:00 is not quiet any more", night, utc("2026-05-07T05:00:00Z"), "Europe/Vilnius", 0},
		{"unknown zone is UTC", night, utc("2026-05-07T22:00:00Z"), "Mars/Olympus", 10 * time.Hour},
		{"no quiet hours", order.QuietHours{}, utc("2026-05-07T22:00:00Z"), "UTC", 0},
		{"daytime window", order.QuietHours{Start: 12 * 60, End: 13 * 60}, utc("2026-05-07T12:15:00Z"), "UTC", 45 * time.Minute},
		{"DST night in Vilnius", night, utc("2026-03-28T23:00:00Z"), "Europe/Vilnius", 6 * time.Hour}, // 01:00 EET; 08:00 EEST is 05:00Z
	}
	for _, tt := range tests {
		if got := tt.q.Wait(tt.now, tt.tz); got != tt.want {
			t.Errorf("%s: wait %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParseQuietHours(t *testing.T) {
	if q, err := order.ParseQuietHours("21:00-08:00"); err != nil || q != (order.QuietHours{Start: 1260, End: 480}) {
		t.Errorf("21:00-08:00: %+v %v", q, err)
	}
	if q, err := order.ParseQuietHours("off"); err != nil || q != (order.QuietHours{}) {
		t.Errorf("off: %+v %v", q, err)
	}
	for _, bad := range []string{"", "21-08", "25:00-08:00", "21:00-08:61", "nine to five"} {
		if _, err := order.ParseQuietHours(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Issue 15, finding 1: a message held for the night is dropped when the night made it stale.
func TestSupersededHeldMessages(t *testing.T) {
	at := time.Date(2026, 5, 7, 22, 0, 0, 0, time.UTC)
	now := at
	next := func() time.Time { now = now.Add(time.Minute); return now }
	created := order.CommerceEvent{ID: "c0", Type: order.EventCreated, Timestamp: at, OrderID: "o1",
		Customer: &order.Customer{Name: "Ona", Phone: "+37060000000"}, Notify: []order.Channel{order.ChannelSMS},
		Items: []order.Item{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}}}
	commerce := func(o *order.Order, typ order.EventType, f func(*order.CommerceEvent)) {
		e := order.CommerceEvent{ID: string(typ) + next().String(), Type: typ, Timestamp: now, OrderID: "o1"}
		if f != nil {
			f(&e)
		}
		o.ApplyCommerce(e)
	}
	scan := func(o *order.Order, tn string, st order.ShipmentStatus) {
		o.ApplyTracking(order.TrackingEvent{ID: tn + string(st), TrackingNumber: tn, Status: st, OccurredAt: next()})
	}
	ship := func(o *order.Order, id, tn, sku string) {
		commerce(o, order.EventShipped, func(e *order.CommerceEvent) {
			e.Shipment = &order.ShipmentInfo{ID: id, Carrier: "DPD", TrackingNumber: tn, Items: []string{sku}}
		})
	}
	confirmed := order.Notify{Milestone: order.MilestoneConfirmed}
	shippedS1 := order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S1"}

	o, _, err := order.New(created)
	if err != nil {
		t.Fatal(err)
	}
	commerce(&o, order.EventConfirmed, nil)
	if why := o.Superseded(confirmed); why != "" {
		t.Errorf("confirmed alone: superseded (%s)", why)
	}
	ship(&o, "S1", "TN1", "A")
	ship(&o, "S2", "TN2", "B")
	if o.Superseded(confirmed) == "" {
		t.Error("confirmed after a shipment was told: still sent")
	}
	if why := o.Superseded(shippedS1); why != "" {
		t.Errorf("shipped S1 with S2 shipped too: superseded (%s)", why)
	}
	scan(&o, "TN2", order.ShipmentOutForDelivery)
	if why := o.Superseded(shippedS1); why != "" {
		t.Errorf("shipped S1 after S2 went out for delivery: superseded (%s), but S1 is another parcel", why)
	}
	scan(&o, "TN1", order.ShipmentOutForDelivery)
	if o.Superseded(shippedS1) == "" {
		t.Error("shipped S1 after S1 went out for delivery: still sent")
	}

	c, _, _ := order.New(created)
	commerce(&c, order.EventConfirmed, nil)
	commerce(&c, order.EventCancelled, func(e *order.CommerceEvent) { e.Reason = "customer" })
	if why := c.Superseded(confirmed); why != "the order was cancelled" {
		t.Errorf("confirmed of a cancelled order: %q", why)
	}
	if c.Superseded(order.Notify{Milestone: order.MilestoneReviewRequest}) == "" {
		t.Error("review request of a cancelled order: still sent")
	}
}

// TestQuietWindowAnswersUntilItEnds: a window asked for once answers every later moment until
// it ends exactly as Wait does, which is what lets a workflow ask once.
func TestQuietWindowAnswersUntilItEnds(t *testing.T) {
	for _, q := range []order.QuietHours{{Start: 21 * 60, End: 8 * 60}, {Start: 60, End: 6 * 60}, {Start: 22*60 + 30, End: 7*60 + 15}} {
		for _, tz := range []string{"Europe/Vilnius", "America/New_York", "Asia/Kolkata", ""} {
			first := time.Date(2026, 3, 28, 0, 7, 0, 0, time.UTC) // a DST change in both zones within the day
			start, end := q.Window(first, tz)
			for now := first; now.Before(end); now = now.Add(17 * time.Minute) {
				if got, want := order.QuietWait(now, start, end), q.Wait(now, tz); got != want {
					t.Fatalf("%+v in %q at %s: the window says wait %s, Wait says %s", q, tz, now, got, want)
				}
			}
		}
	}
}
