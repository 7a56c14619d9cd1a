package order_test

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestShipmentETA(t *testing.T) {
	eta := at(600)
	for st, want := range map[order.ShipmentStatus]bool{
		order.ShipmentInfoReceived: true, order.ShipmentInTransit: true, order.ShipmentOutForDelivery: true,
		order.ShipmentAvailableForPickup: true, order.ShipmentAttemptFailed: true, order.ShipmentException: true,
		order.ShipmentUnknown:   true,
		order.ShipmentDelivered: false, order.ShipmentCancelled: false, order.ShipmentReturnedToSender: false,
	} {
		s := order.ShipmentView{Status: st, EstimatedDelivery: &eta}
		if got := s.ETA() != nil; got != want {
			t.Errorf("%s: has an ETA %v, want %v", st, got, want)
		}
		if st.Final() == want {
			t.Errorf("%s: Final() = %v", st, st.Final())
		}
	}
	if e := (order.ShipmentView{Status: order.ShipmentInTransit}).ETA(); e != nil {
		t.Errorf("no estimate gave ETA %v", e)
	}
}

func TestOrderETA(t *testing.T) {
	early, late := at(600), at(1200)
	sv := func(st order.ShipmentStatus, e *time.Time) order.ShipmentView {
		return order.ShipmentView{Status: st, EstimatedDelivery: e}
	}
	for _, tc := range []struct {
		name string
		ss   []order.ShipmentView
		want *time.Time
	}{
		{"none", nil, nil},
		{"delivered and returned to sender", []order.ShipmentView{sv(order.ShipmentDelivered, &early), sv(order.ShipmentReturnedToSender, &late)}, nil},
		{"returned one does not hold the order back", []order.ShipmentView{sv(order.ShipmentInTransit, &early), sv(order.ShipmentReturnedToSender, &late)}, &early},
		{"the last to arrive", []order.ShipmentView{sv(order.ShipmentOutForDelivery, &late), sv(order.ShipmentInTransit, &early), sv(order.ShipmentInfoReceived, nil)}, &late},
		{"cancelled", []order.ShipmentView{sv(order.ShipmentCancelled, &late)}, nil},
	} {
		v := order.View{Shipments: tc.ss}
		got := v.ETA()
		if (got == nil) != (tc.want == nil) || got != nil && !got.Equal(*tc.want) {
			t.Errorf("%s: ETA %v, want %v", tc.name, got, tc.want)
		}
		if got != nil {
			*got = time.Time{} // the answer is a copy: changing it changes no shipment
			for _, s := range tc.ss {
				if s.EstimatedDelivery != nil && s.EstimatedDelivery.IsZero() {
					t.Errorf("%s: ETA shares the shipment's estimate", tc.name)
				}
			}
		}
	}
}

func TestViewETASource(t *testing.T) {
	early, late := at(600), at(1200)
	v := order.View{Shipments: []order.ShipmentView{
		{Status: order.ShipmentInTransit, EstimatedDelivery: &early, ETASource: order.ETACarrier},
		{Status: order.ShipmentInTransit, EstimatedDelivery: &late, ETASource: order.ETAEstimate},
		{Status: order.ShipmentInTransit, EstimatedDelivery: &late, ETASource: order.ETAMerchant, Return: true},
	}}
	if got := v.ETASource(); got != order.ETAEstimate {
		t.Errorf("ETASource = %q, want estimate (the later parcel's)", got)
	}
	v.Shipments[1].Status = order.ShipmentDelivered
	if got := v.ETASource(); got != order.ETACarrier {
		t.Errorf("with the estimated parcel delivered: ETASource = %q, want carrier", got)
	}
	if got := (order.View{}).ETASource(); got != "" {
		t.Errorf("no shipments: ETASource = %q", got)
	}
}

// An order's own estimate is kept only while the shop promised no date and nothing shipped.
func TestOrderEstimated(t *testing.T) {
	o, _, err := order.New(created())
	if err != nil {
		t.Fatal(err)
	}
	day := at(3 * 24 * 3600)
	if !o.NeedsOrderEstimate() {
		t.Fatal("a new order without a promise needs no estimate")
	}
	o.Estimated(order.Estimate{Date: day, Basis: "rule", At: at(0)})
	if o.EstimatedDelivery == nil || !o.EstimatedDelivery.Equal(day) || o.NeedsOrderEstimate() {
		t.Errorf("estimated %v; needs another: %v", o.EstimatedDelivery, o.NeedsOrderEstimate())
	}
	if v := o.Summary(); v.EstimatedDelivery == nil || !v.EstimatedDelivery.Equal(day) {
		t.Errorf("view's estimate %v", v.EstimatedDelivery)
	}

	e := created()
	promised := at(5 * 24 * 3600)
	e.PromisedDelivery = &promised
	if o, _, _ = order.New(e); o.NeedsOrderEstimate() {
		t.Error("an order with the shop's promise needs an estimate")
	}
	o.Estimated(order.Estimate{Date: day, At: at(0)})
	if o.EstimatedDelivery != nil {
		t.Errorf("estimated %v over the shop's promise", o.EstimatedDelivery)
	}
}
