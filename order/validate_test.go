package order_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestCommerceValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(e *order.CommerceEvent)
		want string
	}{
		{"valid created", func(e *order.CommerceEvent) {}, ""},
		{"no id", func(e *order.CommerceEvent) { e.ID = "" }, "webhook-id is required"},
		{"no type", func(e *order.CommerceEvent) { e.Type = "" }, "type is required"},
		{"bad type", func(e *order.CommerceEvent) { e.Type = "order.lost" }, `type is not a known event type: "order.lost"`},
		{"no timestamp", func(e *order.CommerceEvent) { e.Timestamp = time.Time{} }, "timestamp is required"},
		{"no order id", func(e *order.CommerceEvent) { e.OrderID = "" }, "data.order_id is required"},
		{"no customer", func(e *order.CommerceEvent) { e.Customer = nil }, "data.customer is required"},
		{"bad phone", func(e *order.CommerceEvent) { e.Customer.Phone = "860000000" }, `data.customer.phone must be in E.164 form such as +37060000000, got "860000000"`},
		{"phone with letters", func(e *order.CommerceEvent) { e.Customer.Phone = "+3706000000x" }, `data.customer.phone must be in E.164 form such as +37060000000, got "+3706000000x"`},
		{"bad email", func(e *order.CommerceEvent) { e.Customer.Email = "Ona <ona@example.com>" }, `data.customer.email is not a valid address: "Ona <ona@example.com>"`},
		{"bad channel", func(e *order.CommerceEvent) { e.Notify = []order.Channel{"sms", "fax"} }, `data.notify.channels[1] is not a known channel (sms, whatsapp, email, push): "fax"`},
		{"push with an app user", func(e *order.CommerceEvent) {
			e.Notify, e.Customer.ExternalID = []order.Channel{"push"}, "user_42-A.b@c"
		}, ""},
		{"app user id with a space", func(e *order.CommerceEvent) { e.Customer.ExternalID = "user 42" }, "data.customer.external_id must not hold spaces (found one at byte 4)"},
		{"app user id not ASCII", func(e *order.CommerceEvent) { e.Customer.ExternalID = "vartotojas-ž" }, `data.customer.external_id must be printable ASCII (letters, digits, punctuation), found 'ž' at byte 11`},
		{"app user id too long", func(e *order.CommerceEvent) { e.Customer.ExternalID = strings.Repeat("u", 129) }, "data.customer.external_id must be at most 128 characters, got 129"},
		{"app user id of 128", func(e *order.CommerceEvent) { e.Customer.ExternalID = strings.Repeat("u", 128) }, ""},
		{"contact change with a bad app user id", func(e *order.CommerceEvent) {
			e.Type, e.Customer = order.EventCustomerUpdated, &order.Customer{ExternalID: "a\tb\x00"}
		}, "data.customer.external_id must be printable ASCII (letters, digits, punctuation), found byte 0x09 at byte 1"},
		{"item without sku", func(e *order.CommerceEvent) { e.Items[1].SKU = "" }, "data.items[1].sku is required"},
		{"item quantity", func(e *order.CommerceEvent) { e.Items[0].Quantity = 0 }, "data.items[0].quantity must be positive, got 0"},
		{"shipped without shipment", func(e *order.CommerceEvent) { e.Type = order.EventShipped }, "data.shipment is required"},
		{"shipment without id", func(e *order.CommerceEvent) {
			e.Type, e.Shipment = order.EventShipped, &order.ShipmentInfo{Carrier: "dpd", TrackingNumber: "T1"}
		}, "data.shipment.shipment_id is required"},
		{"shipment without carrier", func(e *order.CommerceEvent) {
			e.Type, e.Shipment = order.EventShipped, &order.ShipmentInfo{ID: "S1", TrackingNumber: "T1"}
		}, "data.shipment.carrier is required"},
		{"shipment without tracking number", func(e *order.CommerceEvent) {
			e.Type, e.Shipment = order.EventShipped, &order.ShipmentInfo{ID: "S1", Carrier: "dpd"}
		}, "data.shipment.tracking_number is required"},
		{"shipment with empty sku", func(e *order.CommerceEvent) {
			e.Type, e.Shipment = order.EventShipped, &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: "T1", Items: []string{"A", ""}}
		}, "data.shipment.items[1] is required"},
		{"valid shipped", func(e *order.CommerceEvent) {
			e.Type, e.Shipment = order.EventShipped, &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: "T1"}
		}, ""},
		{"delivered without shipment id", func(e *order.CommerceEvent) { e.Type = order.EventDelivered }, "data.shipment_id is required"},
		{"cancelled without reason", func(e *order.CommerceEvent) { e.Type = order.EventCancelled }, ""},
		{"refund without amount", func(e *order.CommerceEvent) { e.Type, e.Currency = order.EventRefundProcessed, "EUR" }, "data.amount is required"},
		{"refund without currency", func(e *order.CommerceEvent) { e.Type, e.Amount = order.EventRefundProcessed, "1.00" }, "data.currency is required"},
		{"refund bad currency", func(e *order.CommerceEvent) { e.Type, e.Amount, e.Currency = order.EventRefundProcessed, "1.00", "eur" }, `data.currency must be an ISO 4217 code such as EUR, got "eur"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := created()
			tc.edit(&e)
			err := e.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
			var fe *order.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("%T is not a *FieldError", err)
			}
		})
	}
}

func TestTrackingValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(e *order.TrackingEvent)
		want string
	}{
		{"valid", func(e *order.TrackingEvent) {}, ""},
		{"no id", func(e *order.TrackingEvent) { e.ID = "" }, "id is required"},
		{"no tracking number", func(e *order.TrackingEvent) { e.TrackingNumber = "" }, "tracking_number is required"},
		{"no status", func(e *order.TrackingEvent) { e.Status = "" }, "status is required"},
		{"bad status", func(e *order.TrackingEvent) { e.Status = "InTransit" }, `status is not a known shipment status: "InTransit"`},
		{"no time", func(e *order.TrackingEvent) { e.OccurredAt = time.Time{} }, "occurred_at is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := scan("t1", "S1", order.ShipmentInTransit, 0)
			tc.edit(&e)
			err := e.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, s := range []string{"info_received", "in_transit", "out_for_delivery", "available_for_pickup", "attempt_failed", "delivered", "exception", "returned_to_sender", "cancelled", "unknown"} {
		if st, err := order.ParseShipmentStatus(s); err != nil || string(st) != s {
			t.Errorf("ParseShipmentStatus(%q) = %q, %v", s, st, err)
		}
	}
	for _, s := range []string{"order.created", "order.confirmed", "order.packed", "order.shipped", "order.delivered", "order.cancelled", "order.return.initiated", "order.refund.processed"} {
		if et, err := order.ParseEventType(s); err != nil || string(et) != s {
			t.Errorf("ParseEventType(%q) = %q, %v", s, et, err)
		}
	}
	for _, s := range []string{"created", "confirmed", "packed", "shipped", "in_transit", "out_for_delivery", "delivered", "exception", "cancelled", "returned"} {
		if st, err := order.ParseStatus(s); err != nil || string(st) != s {
			t.Errorf("ParseStatus(%q) = %q, %v", s, st, err)
		}
	}
	for _, p := range order.PublishTypes() {
		if _, err := order.ParsePublishType(string(p)); err != nil {
			t.Error(err)
		}
	}
	// The thirteen types of docs/reference/outbound-webhooks.md: the original twelve and order.human_requested (issue 15).
	if len(order.PublishTypes()) != 13 {
		t.Errorf("%d publish types, want the 13 of docs/reference/outbound-webhooks.md", len(order.PublishTypes()))
	}
	for _, bad := range []string{"", "Delivered", "lost"} {
		if _, err := order.ParseShipmentStatus(bad); err == nil {
			t.Errorf("ParseShipmentStatus(%q) accepted", bad)
		}
		if _, err := order.ParseEventType(bad); err == nil {
			t.Errorf("ParseEventType(%q) accepted", bad)
		}
		if _, err := order.ParseStatus(bad); err == nil {
			t.Errorf("ParseStatus(%q) accepted", bad)
		}
		if _, err := order.ParseChannel(bad); err == nil {
			t.Errorf("ParseChannel(%q) accepted", bad)
		}
		if _, err := order.ParsePublishType(bad); err == nil {
			t.Errorf("ParsePublishType(%q) accepted", bad)
		}
	}
}
