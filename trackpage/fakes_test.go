package trackpage

import (
	"context"
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // the tests use Europe/Vilnius whatever the machine has

	"github.com/shipflow/shipflow/order"
)

// The tests' clock: Thursday, May 7, 2026, 10:00 in Vilnius.
var now = time.Date(2026, 5, 7, 7, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

const (
	token       = "q2V1bV0K9wY3xXcH8i2Pj4lA" // as tracklink.Token makes them
	otherToken  = "Zm9vYmFyYmF6cXV4cXV1eDEy"
	surname     = "Petraitė"
	email       = "ona.petraite@example.lt"
	phone       = "+37060012345"
	street      = "Gedimino pr. 9-12"
	postalCode  = "LT-01103"
	staffNote   = "customer called twice, VIP"
	internalMsg = "DPD ticket 55512: parcel crushed in Kaunas hub"
)

// inTransit is a one-parcel order on its way, for a customer who gave the
// shop everything: full name, email, phone and address.
func inTransit() order.View {
	eta := at("2026-05-08T14:00:00Z") // tomorrow 17:00 in Vilnius
	last := at("2026-05-07T05:10:00Z")
	return order.View{
		OrderID: "1042",
		Status:  order.StatusInTransit,
		Customer: order.Customer{
			Name: "Ona " + surname, Email: email, Phone: phone,
			Locale: "en", TimeZone: "Europe/Vilnius",
		},
		Items: []order.Item{{SKU: "SHOE-42", Name: "Running shoes", Quantity: 1}},
		ShippingAddress: &order.Address{
			Name: "Ona " + surname, Line1: street, City: "Vilnius", PostalCode: postalCode, Country: "LT",
		},
		Shipments: []order.ShipmentView{{
			ShipmentID: "s1", Carrier: "DPD", TrackingNumber: "05809023456789",
			Status:            order.ShipmentInTransit,
			LastLocation:      &order.Location{City: "Kaunas", PostalCode: "LT-44100", Country: "LT"},
			EstimatedDelivery: &eta,
			LastEventAt:       &last,
			Items:             []string{"SHOE-42"},
			ShippedAt:         at("2026-05-06T11:00:00Z"),
		}},
		// Newest first, as order.View gives it.
		Timeline: []order.Entry{
			{At: at("2026-05-07T06:00:00Z"), Kind: order.KindStaff, Type: order.EntryExceptionResolved, Note: staffNote},
			{At: last, Kind: order.KindTracking, Type: "in_transit", ShipmentID: "s1",
				Description: "Departed sorting centre", Location: &order.Location{City: "Kaunas", PostalCode: "LT-44100", Country: "LT"},
				EventID: "ev-3", Source: "aftership"},
			{At: at("2026-05-06T20:00:00Z"), Kind: order.KindTracking, Type: "in_transit", ShipmentID: "s1",
				Description: "Arrived at hub", Location: &order.Location{City: "Vilnius", Country: "LT"},
				Ignored: true, Note: "older than the shipment's latest event (2026-05-07T05:10:00Z)"},
			{At: at("2026-05-06T12:00:00Z"), Kind: order.KindTracking, Type: "info_received", ShipmentID: "s1",
				Description: "Shipment data received"},
			{At: at("2026-05-06T11:00:00Z"), Kind: order.KindCommerce, Type: "order.shipped", ShipmentID: "s1"},
			{At: at("2026-05-05T09:00:00Z"), Kind: order.KindCommerce, Type: "order.created", Note: "channel sms dropped: no customer phone"},
		},
		CreatedAt: at("2026-05-05T09:00:00Z"),
		UpdatedAt: last,
	}
}

// delivered is inTransit after the courier came this morning.
func delivered() order.View {
	v := inTransit()
	d := at("2026-05-07T06:30:00Z") // 9:30 in Vilnius
	v.Status = order.StatusDelivered
	v.DeliveredAt = &d
	s := &v.Shipments[0]
	s.Status, s.DeliveredAt, s.LastEventAt = order.ShipmentDelivered, &d, &d
	s.LastLocation = &order.Location{City: "Vilnius", Country: "LT"}
	v.Timeline = append([]order.Entry{
		{At: at("2026-05-07T06:45:00Z"), Kind: order.KindTracking, Type: "in_transit", ShipmentID: "s1",
			Description: "Loaded on vehicle", Ignored: true, Note: "in_transit after delivered"},
		{At: d, Kind: order.KindTracking, Type: "delivered", ShipmentID: "s1",
			Description: "Delivered to the customer", Location: &order.Location{City: "Vilnius", Country: "LT"}},
	}, v.Timeline...)
	v.UpdatedAt = d
	return v
}

// split is an order in two parcels: shoes on their way, a jacket delivered
// yesterday, and a carrier problem open on the shoes.
func split() order.View {
	v := inTransit()
	v.Items = append(v.Items, order.Item{SKU: "JKT-M", Name: "Rain jacket", Quantity: 1})
	d := at("2026-05-06T13:15:00Z") // yesterday 16:15 in Vilnius
	v.Shipments = append(v.Shipments, order.ShipmentView{
		ShipmentID: "s2", Carrier: "Omniva", TrackingNumber: "CC123456789EE",
		Status: order.ShipmentDelivered, DeliveredAt: &d, LastEventAt: &d,
		LastLocation: &order.Location{City: "Vilnius", Country: "LT"},
		Items:        []string{"JKT-M"},
	})
	v.Timeline = append([]order.Entry{{
		At: d, Kind: order.KindTracking, Type: "delivered", ShipmentID: "s2", Description: "Parcel delivered",
	}}, v.Timeline...)
	return v
}

// fakeOrders is a Lookup over a map the test changes as it goes.
type fakeOrders struct {
	mu    sync.Mutex
	views map[string]order.View
	err   error // returned for every token when set
	calls int
}

func newOrders(tok string, v order.View) *fakeOrders {
	return &fakeOrders{views: map[string]order.View{tok: v}}
}

func (f *fakeOrders) OrderByToken(_ context.Context, tok string) (order.View, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return order.View{}, f.err
	}
	v, ok := f.views[tok]
	if !ok {
		return order.View{}, fmt.Errorf("token %q: %w", tok, ErrNotFound)
	}
	return v, nil
}

func (f *fakeOrders) set(tok string, v order.View) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.views[tok] = v
}

func (f *fakeOrders) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeOrders) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// fakeUpdates is a Subscriber the test signals by hand. It records every
// subscription and whether it was released.
type fakeUpdates struct {
	mu   sync.Mutex
	subs []*subscription
	// subscribed receives the order id of each new subscription.
	subscribed chan string
}

type subscription struct {
	orderID  string
	ch       chan struct{}
	released chan struct{} // closed by the unsubscribe func
	calls    int           // how often the unsubscribe func was called
}

func newUpdates() *fakeUpdates {
	return &fakeUpdates{subscribed: make(chan string, 16)}
}

func (f *fakeUpdates) Subscribe(_ context.Context, orderID string) (<-chan struct{}, func()) {
	s := &subscription{orderID: orderID, ch: make(chan struct{}, 1), released: make(chan struct{})}
	f.mu.Lock()
	f.subs = append(f.subs, s)
	f.mu.Unlock()
	f.subscribed <- orderID
	return s.ch, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		s.calls++
		if s.calls == 1 {
			close(s.released)
		}
	}
}

// signal tells every subscriber of orderID that the order changed, the
// way a NOTIFY does: without blocking, coalescing with a pending signal.
func (f *fakeUpdates) signal(orderID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		if s.orderID != orderID {
			continue
		}
		select {
		case s.ch <- struct{}{}:
		default:
		}
	}
}

// end closes every subscription of orderID, as a listener that lost its
// database connection would.
func (f *fakeUpdates) end(orderID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		if s.orderID == orderID {
			close(s.ch)
		}
	}
}

func (f *fakeUpdates) all() []*subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*subscription(nil), f.subs...)
}

func (f *fakeUpdates) unsubscribeCalls(s *subscription) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return s.calls
}
