package order_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

var t0 = time.Date(2026, 5, 7, 10, 0, 0, 0, time.UTC)

// at is t0 plus m minutes.
func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func ptime(t time.Time) *time.Time { return &t }

// created is a valid order.created for order 1001 with items A and B.
func created() order.CommerceEvent {
	return order.CommerceEvent{
		ID: "evt-created", Type: order.EventCreated, Timestamp: t0, OrderID: "1001",
		Customer: &order.Customer{Name: "Ona", Email: "ona@example.com", Phone: "+37060000000", Locale: "lt-LT", TimeZone: "Europe/Vilnius"},
		Notify:   []order.Channel{order.ChannelSMS, order.ChannelEmail},
		Items:    []order.Item{{SKU: "A", Name: "Mug", Quantity: 1}, {SKU: "B", Name: "Tea", Quantity: 2}},
	}
}

func newOrder(t testing.TB) order.Order {
	t.Helper()
	o, _, err := order.New(created())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// step is one operation on an order; it returns the operation's effects.
type step func(t testing.TB, o *order.Order) []order.Effect

func com(id string, typ order.EventType, m int) order.CommerceEvent {
	return order.CommerceEvent{ID: id, Type: typ, Timestamp: at(m), OrderID: "1001"}
}

// c applies a commerce event of type typ at minute m.
func c(id string, typ order.EventType, m int) step { return cev(com(id, typ, m)) }

func cev(e order.CommerceEvent) step {
	return func(_ testing.TB, o *order.Order) []order.Effect { return o.ApplyCommerce(e) }
}

// ship applies order.shipped for shipment sid, tracking "T"+sid, carrying skus.
func ship(id, sid string, m int, skus ...string) step {
	e := com(id, order.EventShipped, m)
	e.Shipment = &order.ShipmentInfo{ID: sid, Carrier: "dpd", TrackingNumber: "T" + sid, Items: skus}
	return cev(e)
}

func delivered(id, sid string, m int) step {
	e := com(id, order.EventDelivered, m)
	e.ShipmentID = sid
	return cev(e)
}

func scan(id, sid string, st order.ShipmentStatus, m int) order.TrackingEvent {
	return order.TrackingEvent{
		ID: id, Source: "generic", Carrier: "dpd", TrackingNumber: "T" + sid, Status: st,
		Description: "scan " + id, Location: order.Location{City: "Kaunas", Country: "LT"}, OccurredAt: at(m),
	}
}

// s applies a carrier scan of shipment sid at minute m.
func s(id, sid string, st order.ShipmentStatus, m int) step { return tev(scan(id, sid, st, m)) }

func tev(e order.TrackingEvent) step {
	return func(_ testing.TB, o *order.Order) []order.Effect { return o.ApplyTracking(e) }
}

func resolve(m int) step {
	return func(t testing.TB, o *order.Order) []order.Effect {
		fx, err := o.ResolveException("called the carrier", "agent@shop", at(m))
		if err != nil {
			t.Fatal(err)
		}
		return fx
	}
}

func raise(r order.ExceptionReason, sid string, m int) step {
	return func(t testing.TB, o *order.Order) []order.Effect {
		fx, err := o.Raise(order.Exception{Reason: r, ShipmentID: sid, Message: string(r), RaisedAt: at(m)})
		if err != nil {
			t.Fatal(err)
		}
		return fx
	}
}

func delay(d order.Delay) step {
	return func(t testing.TB, o *order.Order) []order.Effect {
		fx, err := o.ReportDelay(d)
		if err != nil {
			t.Fatal(err)
		}
		return fx
	}
}

// run builds order 1001 and applies steps, returning the order and the
// effects of the last step.
func run(t testing.TB, steps ...step) (order.Order, []order.Effect) {
	t.Helper()
	o := newOrder(t)
	var fx []order.Effect
	for _, st := range steps {
		fx = st(t, &o)
	}
	return o, fx
}

// shipped is the steps that take the order to shipped with one shipment S1
// carrying everything.
func shipped() []step {
	return []step{c("e-conf", order.EventConfirmed, 1), c("e-pack", order.EventPacked, 2), ship("e-ship", "S1", 3, "A", "B")}
}

func with(base []step, more ...step) []step {
	return append(append([]step{}, base...), more...)
}

// show renders effects compactly, without sequence numbers, for tables.
func show(fx []order.Effect) []string {
	out := []string{}
	for _, f := range fx {
		var s string
		switch f := f.(type) {
		case order.Notify:
			s = "notify " + string(f.Milestone)
			if f.ShipmentID != "" {
				s += "/" + f.ShipmentID
			}
		case order.Publish:
			s = "publish " + string(f.Type)
			if f.ShipmentID != "" {
				s += "/" + f.ShipmentID
			}
		case order.RaiseException:
			s = "raise " + string(f.Reason) + "/" + f.ShipmentID
		case order.ClearException:
			s = "clear " + f.Resolution + " " + string(f.Reason) + "/" + f.ShipmentID
		default:
			s = fmt.Sprintf("%T", f)
		}
		out = append(out, s)
	}
	return out
}

func last(o order.Order) order.Entry {
	if len(o.Timeline) == 0 {
		return order.Entry{}
	}
	return o.Timeline[len(o.Timeline)-1]
}

func shipment(t testing.TB, o order.Order, id string) order.Shipment {
	t.Helper()
	for _, s := range o.Shipments {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no shipment %s", id)
	return order.Shipment{}
}
