package inbox_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

func TestCheck(t *testing.T) {
	at := time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)
	scan := order.TrackingEvent{ID: "s1", TrackingNumber: "1Z", Status: order.ShipmentInTransit, OccurredAt: at}
	routed := scan
	routed.TrackingNumber = ""
	confirmed := order.CommerceEvent{ID: "c1", Type: order.EventConfirmed, Timestamp: at, OrderID: "o1"}
	created := order.CommerceEvent{ID: "c0", Type: order.EventCreated, Timestamp: at, OrderID: "o1",
		Customer: &order.Customer{Name: "Ona"}}
	with := func(e order.CommerceEvent, f func(*order.CommerceEvent)) order.CommerceEvent {
		f(&e)
		return e
	}
	scanWith := func(f func(*order.TrackingEvent)) order.TrackingEvent {
		e := scan
		f(&e)
		return e
	}
	commerce := func(e order.CommerceEvent) inbox.Delivery {
		return inbox.Delivery{Source: "commerce", EventID: "w", Commerce: []order.CommerceEvent{e}}
	}
	tracking := func(e order.TrackingEvent) inbox.Delivery {
		return inbox.Delivery{Source: "generic", EventID: "w", Tracking: []order.TrackingEvent{e}}
	}
	for _, tc := range []struct {
		name    string
		d       inbox.Delivery
		field   string // "" when the delivery is fine
		ignored bool
	}{
		{"commerce", commerce(confirmed), "", false},
		{"created", commerce(created), "", false},
		{"scan", tracking(scan), "", false},
		{"routed scan", inbox.Delivery{Source: "shopify", EventID: "w", Tracking: []order.TrackingEvent{routed}, ShipmentID: "123"}, "", false},
		{"unroutable scan", inbox.Delivery{Source: "shopify", EventID: "w", Tracking: []order.TrackingEvent{routed}}, "tracking_number", false},
		{"invalid commerce", commerce(order.CommerceEvent{ID: "c", OrderID: "o1"}), "type", false},
		{"empty", inbox.Delivery{Source: "shopify", EventID: "w"}, "", true},
		{"NUL in a name", commerce(with(created, func(e *order.CommerceEvent) { e.Customer = &order.Customer{Name: "Ona\x00"} })), "data.customer.name", false},
		{"bidi override in a city", commerce(with(created, func(e *order.CommerceEvent) {
			e.ShippingAddress = &order.Address{City: "Vilnius\u202e"}
		})), "data.shipping_address.city", false},
		{"non-ASCII order id", commerce(with(confirmed, func(e *order.CommerceEvent) { e.OrderID = "užsakymas-1" })), "data.order_id", false},
		{"emoji order id", commerce(with(confirmed, func(e *order.CommerceEvent) { e.OrderID = "order-📦" })), "data.order_id", false},
		{"order id with a space inside", commerce(with(confirmed, func(e *order.CommerceEvent) { e.OrderID = "ORD 1001" })), "", false},
		{"order id too long", commerce(with(confirmed, func(e *order.CommerceEvent) { e.OrderID = strings.Repeat("1", 129) })), "data.order_id", false},
		{"too many items", commerce(with(created, func(e *order.CommerceEvent) {
			e.Items = make([]order.Item, order.MaxItems+1)
			for i := range e.Items {
				e.Items[i] = order.Item{SKU: "s", Quantity: 1}
			}
		})), "data.items", false},
		{"tracking number of 5,000 characters", tracking(scanWith(func(e *order.TrackingEvent) {
			e.TrackingNumber = strings.Repeat("1", 5000)
		})), "tracking_number", false},
		{"NUL in a description", tracking(scanWith(func(e *order.TrackingEvent) { e.Description = "Sorted\x00" })), "description", false},
		{"invalid UTF-8 in a city", tracking(scanWith(func(e *order.TrackingEvent) { e.Location.City = "Kaun\xffas" })), "location.city", false},
		{"lines of Lithuanian are fine", tracking(scanWith(func(e *order.TrackingEvent) {
			e.Description, e.Location.City = "Siunta pristatyta į paštomatą", "Šiauliai"
		})), "", false},
		{"push with an app user id", commerce(with(created, func(e *order.CommerceEvent) {
			e.Customer, e.Notify = &order.Customer{ExternalID: "app-user-42"}, []order.Channel{order.ChannelPush}
		})), "", false},
		{"NUL in an app user id", commerce(with(created, func(e *order.CommerceEvent) { e.Customer = &order.Customer{ExternalID: "u\x00"} })), "data.customer.external_id", false},
		{"space in an app user id", commerce(with(created, func(e *order.CommerceEvent) { e.Customer = &order.Customer{ExternalID: "app user"} })), "data.customer.external_id", false},
		{"app user id of 129 characters", commerce(with(created, func(e *order.CommerceEvent) {
			e.Customer = &order.Customer{ExternalID: strings.Repeat("u", 129)}
		})), "data.customer.external_id", false},
		{"long event id", inbox.Delivery{Source: "generic", EventID: strings.Repeat("e", 201), Tracking: []order.TrackingEvent{scan}}, "event id", false},
	} {
		err := tc.d.Check()
		if got := fixture.FieldOf(err); got != tc.field {
			t.Errorf("%s: field %q, want %q (err %v)", tc.name, got, tc.field, err)
		}
		if tc.field == "" && !tc.ignored && err != nil {
			t.Errorf("%s: err = %v", tc.name, err)
		}
		if got := errors.Is(err, inbox.ErrIgnored); got != tc.ignored {
			t.Errorf("%s: ignored = %v, want %v", tc.name, got, tc.ignored)
		}
	}
}
