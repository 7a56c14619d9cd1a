package commerce_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	base := order.CommerceEvent{ID: "msg_2Wb0", OrderID: "LT-100234"}
	with := func(f func(e *order.CommerceEvent)) order.CommerceEvent {
		e := base
		f(&e)
		return e
	}
	for _, tc := range []struct {
		file string
		want order.CommerceEvent
	}{
		{"order.created.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp = order.EventCreated, at("2026-05-07T10:30:00Z")
			e.Customer = &order.Customer{Name: "Ona Petraitė", Email: "ona.petraite@example.com", Phone: "+37060000000", Locale: "lt-LT", TimeZone: "Europe/Vilnius"}
			e.Notify = []order.Channel{order.ChannelSMS, order.ChannelEmail}
			e.Items = []order.Item{{SKU: "MUG-RED-350", Name: "Ceramic mug, red, 350 ml", Quantity: 2}, {SKU: "TEA-EARL-100", Name: "Earl Grey, 100 g", Quantity: 1}}
			e.PromisedDelivery = ptr(at("2026-05-09T14:00:00Z"))
			e.ShippingAddress = &order.Address{Name: "Ona Petraitė", Line1: "Gedimino pr. 1", City: "Vilnius", PostalCode: "01103", Country: "LT"}
		})},
		{"order.confirmed.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp = order.EventConfirmed, at("2026-05-07T10:35:00Z")
		})},
		{"order.packed.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp = order.EventPacked, at("2026-05-07T15:02:11Z")
		})},
		{"order.shipped.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp = order.EventShipped, at("2026-05-07T13:45:00Z")
			e.Shipment = &order.ShipmentInfo{ID: "SHP-1", Carrier: "DPD", TrackingNumber: "05809023456789", Items: []string{"MUG-RED-350"}, EstimatedDelivery: ptr(at("2026-05-08T14:00:00Z"))}
		})},
		{"order.delivered.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp, e.ShipmentID = order.EventDelivered, at("2026-05-08T13:12:40Z"), "SHP-1"
		})},
		{"order.cancelled.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp, e.Reason = order.EventCancelled, at("2026-05-07T11:00:00Z"), "customer changed their mind"
		})},
		{"order.return.initiated.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp, e.Reason = order.EventReturnInitiated, at("2026-05-12T09:00:00Z"), "damaged in transit"
		})},
		{"order.refund.processed.json", with(func(e *order.CommerceEvent) {
			e.Type, e.Timestamp, e.Amount, e.Currency = order.EventRefundProcessed, at("2026-05-13T08:20:00Z"), "24.90", "EUR"
		})},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, err := commerce.Parse("msg_2Wb0", fixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if d.Source != inbox.SourceCommerce || d.EventID != "msg_2Wb0" || len(d.Tracking) != 0 || d.OrderID != "" {
				t.Errorf("delivery = %+v", d)
			}
			if len(d.Commerce) != 1 {
				t.Fatalf("events = %d, want 1", len(d.Commerce))
			}
			got := d.Commerce[0]
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.want)
				t.Errorf("event\n got %s\nwant %s", g, w)
			}
			if got.Timestamp.Location() != time.UTC {
				t.Errorf("timestamp not in UTC: %v", got.Timestamp)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// TestParseLenient covers what the contract leaves open and Parse accepts.
func TestParseLenient(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  []byte
		check func(e order.CommerceEvent) bool
	}{
		{"numeric order id", edit(t, fixture(t, "order.confirmed.json"), "data.order_id", 100234),
			func(e order.CommerceEvent) bool { return e.OrderID == "100234" }},
		{"large numeric order id kept exact", []byte(`{"type":"order.packed","timestamp":"2026-05-07T15:02:11Z","data":{"order_id":820982911946154508}}`),
			func(e order.CommerceEvent) bool { return e.OrderID == "820982911946154508" }},
		{"numeric amount", edit(t, fixture(t, "order.refund.processed.json"), "data.amount", 24.9),
			func(e order.CommerceEvent) bool { return e.Amount == "24.9" }},
		{"no optional fields", []byte(`{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"A1","customer":{"email":"a@example.com"}}}`),
			func(e order.CommerceEvent) bool {
				return e.Customer.Email == "a@example.com" && e.PromisedDelivery == nil && e.ShippingAddress == nil && e.Notify == nil
			}},
		{"fields of other types dropped", edit(t, fixture(t, "order.confirmed.json"), "data.reason", "x"),
			func(e order.CommerceEvent) bool { return e.Reason == "" }},
		{"fractional seconds", edit(t, fixture(t, "order.confirmed.json"), "timestamp", "2026-05-07T10:35:00.123456+02:00"),
			func(e order.CommerceEvent) bool { return e.Timestamp.Equal(at("2026-05-07T08:35:00.123456Z")) }},
		{"unknown fields", edit(t, fixture(t, "order.confirmed.json"), "data.extra", map[string]any{"a": 1}),
			func(e order.CommerceEvent) bool { return e.OrderID == "LT-100234" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := commerce.Parse("msg_1", tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(d.Commerce[0]) {
				t.Errorf("event = %+v", d.Commerce[0])
			}
		})
	}
}

func TestParseFieldErrors(t *testing.T) {
	created := fixture(t, "order.created.json")
	shipped := fixture(t, "order.shipped.json")
	for _, tc := range []struct {
		name  string
		id    string
		body  []byte
		field string
	}{
		{"no webhook id", "", fixture(t, "order.confirmed.json"), "webhook-id"},
		{"no type", "m", edit(t, created, "type", remove), "type"},
		{"no timestamp", "m", edit(t, created, "timestamp", remove), "timestamp"},
		{"bad timestamp", "m", edit(t, created, "timestamp", "7 May 2026"), "timestamp"},
		{"zoneless timestamp", "m", edit(t, created, "timestamp", "2026-05-07T10:30:00"), "timestamp"},
		{"no data", "m", edit(t, created, "data", remove), "data.order_id"},
		{"no order id", "m", edit(t, created, "data.order_id", remove), "data.order_id"},
		{"empty order id", "m", edit(t, created, "data.order_id", " "), "data.order_id"},
		{"order id with control characters", "m", edit(t, created, "data.order_id", "A\n1"), "data.order_id"},
		{"no customer", "m", edit(t, created, "data.customer", remove), "data.customer"},
		{"bad email", "m", edit(t, created, "data.customer.email", "ona at example.com"), "data.customer.email"},
		{"phone not E.164", "m", edit(t, created, "data.customer.phone", "860000000"), "data.customer.phone"},
		{"unknown channel", "m", edit(t, created, "data.notify.channels", []string{"email", "fax"}), "data.notify.channels[1]"},
		{"more channels than there are", "m", edit(t, created, "data.notify.channels", slices.Repeat([]string{"sms"}, 150_000)), "data.notify.channels"},
		{"a channel twice", "m", edit(t, created, "data.notify.channels", []string{"email", "sms", "email"}), "data.notify.channels[2]"},
		{"item without sku", "m", edit(t, created, "data.items.1.sku", ""), "data.items[1].sku"},
		{"item without quantity", "m", edit(t, created, "data.items.0.quantity", remove), "data.items[0].quantity"},
		{"bad promised delivery", "m", edit(t, created, "data.promised_delivery", "tomorrow"), "data.promised_delivery"},
		{"no shipment", "m", edit(t, shipped, "data.shipment", remove), "data.shipment"},
		{"no shipment id", "m", edit(t, shipped, "data.shipment.shipment_id", remove), "data.shipment.shipment_id"},
		{"no carrier", "m", edit(t, shipped, "data.shipment.carrier", ""), "data.shipment.carrier"},
		{"no tracking number", "m", edit(t, shipped, "data.shipment.tracking_number", remove), "data.shipment.tracking_number"},
		{"empty shipment item", "m", edit(t, shipped, "data.shipment.items", []string{""}), "data.shipment.items[0]"},
		{"bad estimated delivery", "m", edit(t, shipped, "data.shipment.estimated_delivery", "2026-05-08"), "data.shipment.estimated_delivery"},
		{"delivered without shipment", "m", edit(t, fixture(t, "order.delivered.json"), "data.shipment_id", remove), "data.shipment_id"},
		{"refund without amount", "m", edit(t, fixture(t, "order.refund.processed.json"), "data.amount", remove), "data.amount"},
		{"refund amount not a number", "m", edit(t, fixture(t, "order.refund.processed.json"), "data.amount", "twenty"), "data.amount"},
		{"refund amount negative", "m", edit(t, fixture(t, "order.refund.processed.json"), "data.amount", -5), "data.amount"},
		{"refund amount an object", "m", edit(t, fixture(t, "order.refund.processed.json"), "data.amount", map[string]any{}), "data.amount"},
		{"refund without currency", "m", edit(t, fixture(t, "order.refund.processed.json"), "data.currency", remove), "data.currency"},
		{"refund currency lower case", "m", edit(t, fixture(t, "order.refund.processed.json"), "data.currency", "eur"), "data.currency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := commerce.Parse(tc.id, tc.body)
			if got := fieldOf(err); got != tc.field {
				t.Errorf("err = %v, want a FieldError for %q", err, tc.field)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want any // pointer to the JSON error type expected
	}{
		{"empty", ``, new(*json.SyntaxError)},
		{"truncated", `{"type":"order.created",`, new(*json.SyntaxError)},
		{"trailing garbage", `{"type":"order.packed"} x`, new(*json.SyntaxError)},
		{"array", `[]`, new(*json.UnmarshalTypeError)},
		{"customer is a string", `{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"A","customer":"Ona"}}`, new(*json.UnmarshalTypeError)},
		{"order id is an object", `{"type":"order.packed","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":{}}}`, new(*json.UnmarshalTypeError)},
		{"order id is fractional", `{"type":"order.packed","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":1.5}}`, new(*json.UnmarshalTypeError)},
		{"quantity is a string", `{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"A","customer":{"email":"a@example.com"},"items":[{"sku":"S","quantity":"2"}]}}`, new(*json.UnmarshalTypeError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := commerce.Parse("m", []byte(tc.body))
			if err == nil || !errors.As(err, tc.want) {
				t.Errorf("err = %v (%T), want %T", err, err, tc.want)
			}
		})
	}
}

func TestParseUnsupported(t *testing.T) {
	for _, typ := range []string{"order.lost", "tracking.updated", "ORDER.CREATED"} {
		_, err := commerce.Parse("m", edit(t, fixture(t, "order.confirmed.json"), "type", typ))
		if !errors.Is(err, inbox.ErrUnsupported) {
			t.Errorf("type %q: err = %v, want ErrUnsupported", typ, err)
		}
	}
}

// TestParseDailyUpdates: order.created's notify.daily_updates is the customer's choice, kept as
// given (true or false); absent or null leaves it to the merchant; anything but a boolean is
// refused as malformed, never guessed.
func TestParseDailyUpdates(t *testing.T) {
	created := fixture(t, "order.created.json")
	yes, no := true, false
	for _, tc := range []struct {
		name string
		v    any
		want *bool
	}{
		{"on", true, &yes},
		{"off", false, &no},
		{"null", nil, nil},
		{"absent", remove, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := commerce.Parse("m", edit(t, created, "data.notify.daily_updates", tc.v))
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Commerce[0].DailyUpdates; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("daily updates %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []any{"yes", 1, []bool{true}} {
		if _, err := commerce.Parse("m", edit(t, created, "data.notify.daily_updates", bad)); err == nil {
			t.Errorf("daily_updates %v accepted", bad)
		}
	}
}
