package commerce_test

import (
	"errors"
	"testing"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

func TestCheckDelivery(t *testing.T) {
	scan := order.TrackingEvent{ID: "s1", TrackingNumber: "1Z", Status: order.ShipmentInTransit, OccurredAt: at("2026-05-07T10:30:00Z")}
	routed := scan
	routed.TrackingNumber = ""
	confirmed := order.CommerceEvent{ID: "c1", Type: order.EventConfirmed, Timestamp: at("2026-05-07T10:30:00Z"), OrderID: "o1"}
	for _, tc := range []struct {
		name    string
		d       inbox.Delivery
		ok      bool
		ignored bool
	}{
		{"commerce", inbox.Delivery{Source: "shopify", EventID: "w", Commerce: []order.CommerceEvent{confirmed}}, true, false},
		{"scan", inbox.Delivery{Source: "shopify", EventID: "w", Tracking: []order.TrackingEvent{scan}}, true, false},
		{"routed scan", inbox.Delivery{Source: "shopify", EventID: "w", Tracking: []order.TrackingEvent{routed}, ShipmentID: "123"}, true, false},
		{"unroutable scan", inbox.Delivery{Source: "shopify", EventID: "w", Tracking: []order.TrackingEvent{routed}}, false, false},
		{"invalid commerce", inbox.Delivery{Source: "shopify", EventID: "w", Commerce: []order.CommerceEvent{{ID: "c"}}}, false, false},
		{"no source", inbox.Delivery{EventID: "w", Commerce: []order.CommerceEvent{confirmed}}, false, false},
		{"no event id", inbox.Delivery{Source: "shopify", Commerce: []order.CommerceEvent{confirmed}}, false, false},
		{"empty", inbox.Delivery{Source: "shopify", EventID: "w"}, false, true},
	} {
		err := commerce.CheckDelivery(tc.d)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		if got := errors.Is(err, inbox.ErrIgnored); got != tc.ignored {
			t.Errorf("%s: ignored = %v, want %v", tc.name, got, tc.ignored)
		}
	}
}
