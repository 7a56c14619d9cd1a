package inbox_test

import (
	"errors"
	"fmt"
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
	scans := func(n int) inbox.Delivery {
		d := inbox.Delivery{Source: "aftership", EventID: "w"}
		for i := range n {
			e := scan
			e.ID, e.OccurredAt = fmt.Sprintf("s%d", i), at.Add(time.Duration(i)*time.Minute)
			d.Tracking = append(d.Tracking, e)
		}
		return d
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
		{"as many scans as a delivery carries", scans(order.MaxEventsPerDelivery), "", false},
		{"more scans than a delivery carries", scans(order.MaxEventsPerDelivery + 1), "events", false},
		{"too many channels", commerce(with(created, func(e *order.CommerceEvent) {
			e.Notify = make([]order.Channel, 150_000)
			for i := range e.Notify {
				e.Notify[i] = order.ChannelSMS
			}
		})), "data.notify.channels", false},
		{"a channel twice", commerce(with(created, func(e *order.CommerceEvent) {
			e.Notify = []order.Channel{order.ChannelSMS, order.ChannelEmail, order.ChannelSMS}
		})), "data.notify.channels[2]", false},
		{"every channel once", commerce(with(created, func(e *order.CommerceEvent) {
			e.Customer = &order.Customer{Name: "Ona", Email: "ona@example.com", Phone: "+37060000000", ExternalID: "u1"}
			e.Notify = order.Channels
		})), "", false},
		{"a return's service names the return", commerce(order.CommerceEvent{ID: "r1", Type: order.EventReturnInitiated, Timestamp: at, OrderID: "o1",
			ReturnShipment: &order.ShipmentInfo{Carrier: "DPD", TrackingNumber: "RT1", Service: "express<script>"}}), "data.return_shipment.service", false},
		{"a shipment's service with a space and a dot", commerce(order.CommerceEvent{ID: "s1", Type: order.EventShipped, Timestamp: at, OrderID: "o1",
			Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DHL", TrackingNumber: "1Z", Service: "DHL Paket 2.0"}}), "", false},
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
