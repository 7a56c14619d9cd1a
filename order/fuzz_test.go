package order_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/shipflow/shipflow/order"
)

var (
	fuzzTypes = []order.EventType{
		order.EventCreated, order.EventConfirmed, order.EventPacked, order.EventShipped,
		order.EventDelivered, order.EventCancelled, order.EventReturnInitiated, order.EventRefundProcessed,
	}
	fuzzStatuses = []order.ShipmentStatus{
		order.ShipmentInfoReceived, order.ShipmentInTransit, order.ShipmentOutForDelivery,
		order.ShipmentAvailableForPickup, order.ShipmentAttemptFailed, order.ShipmentDelivered,
		order.ShipmentException, order.ShipmentReturnedToSender, order.ShipmentCancelled,
		order.ShipmentUnknown, "bogus",
	}
	fuzzReasons = []order.ExceptionReason{
		order.ReasonCarrierException, order.ReasonReturnedToSender, order.ReasonFailedAttempts,
		order.ReasonStale, order.ReasonLate, order.ReasonDriverDelay,
	}
	fuzzSKUs = []string{"A", "B"}
)

// FuzzApply feeds random sequences of operations to an order and checks the
// invariants the workflow relies on.
func FuzzApply(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 0, 2, 2, 2, 0, 3, 0x33, 3, 1, 1, 0, 10, 2, 2, 0, 20, 3, 5, 0, 30})
	f.Add([]byte{0, 3, 0x13, 3, 0, 3, 0x27, 4, 1, 6, 0, 10, 4, 0, 0, 0, 2, 5, 1, 20, 3, 5, 1, 30, 8, 0, 0, 0})
	f.Add([]byte{0, 3, 3, 3, 1, 4, 0, 10, 1, 4, 0, 20, 5, 0, 1, 25, 6, 3, 0, 40, 0, 5, 5, 50, 0, 7, 6, 60, 9, 0, 0, 0})
	f.Add([]byte{0, 3, 3, 3, 2, 5, 0, 9, 2, 1, 0, 11, 0, 6, 1, 12, 2, 7, 0, 13, 7, 5, 0, 0, 7, 0xff, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		o := newOrder(t)
		notified := map[order.Notify]bool{}
		for i := 0; i+4 <= len(data) && i < 4*400; i += 4 {
			op, a, b, m := data[i]%10, data[i+1], data[i+2], int(data[i+3])
			seq := o.Seq
			var fx []order.Effect
			var redo func() []order.Effect
			switch op {
			case 0:
				e := com(fmt.Sprint("c", b%16), fuzzTypes[a%8], m)
				switch e.Type {
				case order.EventShipped:
					var skus []string
					for j, sku := range fuzzSKUs {
						if a>>(4+j)&1 == 1 {
							skus = append(skus, sku)
						}
					}
					e.Shipment = &order.ShipmentInfo{ID: fmt.Sprint("S", a>>6%3), Carrier: "dpd", TrackingNumber: fmt.Sprint("TS", a>>6%3), Items: skus}
				case order.EventDelivered:
					e.ShipmentID = fmt.Sprint("S", a>>4%4)
				case order.EventRefundProcessed:
					e.Amount, e.Currency = "1.00", "EUR"
				case order.EventCreated:
					e.Customer = &order.Customer{Phone: "+37060000000"}
				}
				fx = o.ApplyCommerce(e)
				redo = func() []order.Effect { return o.ApplyCommerce(e) }
			case 1, 2, 3:
				e := scan(fmt.Sprint("t", b%32), fmt.Sprint("S", a>>4%4), fuzzStatuses[int(a&0xf)%len(fuzzStatuses)], m)
				if b&0x80 != 0 {
					e.EstimatedDelivery = ptime(at(m + 1000))
				}
				fx = o.ApplyTracking(e)
				redo = func() []order.Effect { return o.ApplyTracking(e) }
			case 4:
				fx, _ = o.ResolveException("ok", "staff", at(m))
			case 5:
				d := order.Delay{ID: fmt.Sprint("d", b%4), ShipmentID: fmt.Sprint("S", a%4), Reason: "traffic", At: at(m)}
				if a&0x10 != 0 {
					d.ShipmentID, d.TrackingNumber = "", fmt.Sprint("ts", a%4)
				}
				if a&0x20 != 0 {
					d.RevisedETA = ptime(at(m + int(b)))
				}
				fx, _ = o.ReportDelay(d)
			case 6:
				sid := ""
				if b%4 != 0 {
					sid = fmt.Sprint("S", b%4)
				}
				fx, _ = o.Raise(order.Exception{Reason: fuzzReasons[int(a)%len(fuzzReasons)], ShipmentID: sid, RaisedAt: at(m)})
			case 7:
				chs := []order.Channel{"sms", "whatsapp", "email", "fax"}
				var pick []order.Channel
				for j, ch := range chs {
					if a>>j&1 == 1 {
						pick = append(pick, ch)
					}
				}
				fx, _ = o.SetChannels(pick, at(m))
			case 8:
				fx = o.ReviewRequest()
			case 9:
				fx = o.NotificationFailed(order.MilestoneShipped, "S1", order.ChannelSMS, "failed", at(m))
			}
			check(t, &o, fx, seq, notified)
			if redo != nil {
				before := clone(t, o)
				if again := redo(); again != nil {
					t.Fatalf("op %d: duplicate gave effects %q", i/4, show(again))
				}
				if !reflect.DeepEqual(o, before) {
					t.Fatalf("op %d: duplicate changed the order", i/4)
				}
			}
		}
		if c := clone(t, o); !reflect.DeepEqual(c, o) {
			t.Fatal("JSON round trip changed the order")
		}
	})
}

func check(t *testing.T, o *order.Order, fx []order.Effect, seq int64, notified map[order.Notify]bool) {
	t.Helper()
	for _, f := range fx {
		switch f := f.(type) {
		case order.Publish:
			seq++
			if f.Seq != seq {
				t.Fatalf("%s seq %d, want %d", f.Type, f.Seq, seq)
			}
		case order.Notify:
			if notified[f] {
				t.Fatalf("milestone sent twice: %+v", f)
			}
			notified[f] = true
		case nil:
			t.Fatal("nil effect")
		}
	}
	if o.Seq != seq {
		t.Fatalf("order seq %d, publishes reached %d", o.Seq, seq)
	}
	if len(o.Seen) > order.MaxSeen || len(o.Timeline) > order.MaxTimeline {
		t.Fatalf("unbounded: %d seen, %d entries", len(o.Seen), len(o.Timeline))
	}
	if !o.Status.Valid() {
		t.Fatalf("status %q", o.Status)
	}
	closed := o.CancelledAt != nil || o.ReturnedAt != nil
	if closed && o.Exception != nil {
		t.Fatalf("%s order with open exception %+v", o.Status, o.Exception)
	}
	if (o.Status == order.StatusException) != (o.Exception != nil && !closed) {
		t.Fatalf("status %s with exception %+v", o.Status, o.Exception)
	}
	if o.Final() != slices.Contains([]order.Status{order.StatusDelivered, order.StatusCancelled, order.StatusReturned}, o.Status) {
		t.Fatalf("Final() %v for %s", o.Final(), o.Status)
	}
	for _, s := range o.Shipments {
		if _, err := order.ParseShipmentStatus(string(s.Status)); err != nil {
			t.Fatalf("shipment %s: %v", s.ID, err)
		}
	}
	v := o.View()
	for i := 1; i < len(v.Timeline); i++ {
		if v.Timeline[i].At.After(v.Timeline[i-1].At) {
			t.Fatal("view timeline not newest first")
		}
	}
}

// FuzzInputRules checks the input rules against each other: CheckText never panics, CleanText
// always yields text CheckText takes, and leaves text CheckText takes as it is; CheckKey takes
// nothing CheckText would refuse.
func FuzzInputRules(f *testing.F) {
	for _, s := range []string{"", "Ona Petraitė", "Sorted\x00", "Kaun\xffas", "\u202eevil", "užsakymas-1", "order-📦", " lead", "ORD 1001"} {
		f.Add(s, 64)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = 1 + abs(max)%2000
		clean := order.CleanText(s, max)
		if err := order.CheckText("f", clean, max); err != nil {
			t.Fatalf("CleanText(%q) = %q, which CheckText refuses: %v", s, clean, err)
		}
		if order.CheckText("f", s, max) == nil && clean != s {
			t.Fatalf("CleanText changed acceptable text %q to %q", s, clean)
		}
		if order.CheckKey("f", s, max) == nil && order.CheckText("f", s, max) != nil {
			t.Fatalf("CheckKey takes %q, which CheckText refuses", s)
		}
		if q := order.Quote(s); len(q) > 4*64+8 {
			t.Fatalf("Quote(%d bytes) is %d bytes", len(s), len(q))
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
