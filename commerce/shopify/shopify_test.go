package shopify_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/shipflow/shipflow/commerce/shopify"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

const (
	orderID       = "5829471036482"
	fulfillmentID = "5112938475620"
)

func TestParse(t *testing.T) {
	shipment := order.ShipmentInfo{
		ID:             fulfillmentID,
		Carrier:        "DPD",
		TrackingNumber: "05809023456789",
		Items:          []string{"MUG-RED-350", "shopify-line-item-14720938508389"},
	}
	shipped := order.CommerceEvent{
		ID:        "shopify/fulfillment/" + fulfillmentID + "/shipped/05809023456789",
		Type:      order.EventShipped,
		Timestamp: fixture.UTC("2026-05-07T13:45:03Z"),
		OrderID:   orderID,
		Shipment:  &shipment,
	}
	for _, tc := range []struct {
		topic, file string
		want        inbox.Delivery
	}{
		{shopify.TopicOrderCreated, "orders_create.json", inbox.Delivery{Commerce: []order.CommerceEvent{{
			ID:        "shopify/order/" + orderID + "/created",
			Type:      order.EventCreated,
			Timestamp: fixture.UTC("2026-05-07T10:30:12Z"),
			OrderID:   orderID,
			Customer: &order.Customer{
				Name:   "Ona Petraitė",
				Email:  "ona.petraite@example.com",
				Phone:  "+37060000000", // from the shipping address, spaces dropped
				Locale: "lt-LT",
			},
			Notify: []order.Channel{order.ChannelEmail, order.ChannelSMS},
			Items: []order.Item{ // the gift card does not ship
				{SKU: "MUG-RED-350", Name: "Ceramic mug - Red / 350 ml", Quantity: 2},
				{SKU: "shopify-line-item-14720938508389", Name: "Loose-leaf Earl Grey", Quantity: 1},
			},
			ShippingAddress: &order.Address{Name: "Ona Petraitė", Line1: "Gedimino pr. 1", Line2: "Butas 4", City: "Vilnius", PostalCode: "01103", Country: "LT"},
			Origin:          order.OriginShopify,
		}}}},
		{shopify.TopicOrderCancelled, "orders_cancelled.json", inbox.Delivery{Commerce: []order.CommerceEvent{{
			ID:        "shopify/order/" + orderID + "/cancelled",
			Type:      order.EventCancelled,
			Timestamp: fixture.UTC("2026-05-07T11:02:45Z"),
			OrderID:   orderID,
			Reason:    "customer",
		}}}},
		{shopify.TopicFulfillmentCreated, "fulfillments_create.json", inbox.Delivery{Commerce: []order.CommerceEvent{shipped}}},
		{shopify.TopicFulfillmentUpdated, "fulfillments_update.json", inbox.Delivery{
			Commerce: []order.CommerceEvent{shipped},
			Tracking: []order.TrackingEvent{{
				ID:             "shopify/fulfillment/" + fulfillmentID + "/out_for_delivery",
				Source:         "shopify",
				Carrier:        "DPD",
				TrackingNumber: "05809023456789",
				Status:         order.ShipmentOutForDelivery,
				RawStatus:      "out_for_delivery",
				OccurredAt:     fixture.UTC("2026-05-08T05:12:40Z"),
			}},
		}},
		{shopify.TopicFulfillmentEventCreated, "fulfillment_events_create.json", inbox.Delivery{
			Tracking: []order.TrackingEvent{{
				ID:                "shopify/fulfillment_event/2938471650293",
				Source:            "shopify",
				Status:            order.ShipmentInTransit,
				RawStatus:         "in_transit",
				Description:       "Parcel has left the DPD depot in Kaunas",
				Location:          order.Location{City: "Kaunas", Region: "Kauno apskritis", PostalCode: "LT-52104", Country: "LT"},
				OccurredAt:        fixture.UTC("2026-05-07T19:05:00Z"),
				EstimatedDelivery: fixture.Ptr(fixture.UTC("2026-05-08T14:00:00Z")),
			}},
			OrderID:    orderID,
			ShipmentID: fulfillmentID,
		}},
	} {
		t.Run(tc.topic, func(t *testing.T) {
			d, err := shopify.Parse(tc.topic, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", fixture.Load(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Source, tc.want.EventID = inbox.SourceShopify, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
			if !reflect.DeepEqual(d, tc.want) {
				g, _ := json.MarshalIndent(d, "", " ")
				w, _ := json.MarshalIndent(tc.want, "", " ")
				t.Errorf("delivery\n got %s\nwant %s", g, w)
			}
			fixture.CheckDelivery(t, d)
		})
	}
}

func TestShipmentStatus(t *testing.T) {
	for _, tc := range []struct {
		shopify   string
		status    order.ShipmentStatus
		substatus string
	}{
		{"label_purchased", order.ShipmentInfoReceived, ""},
		{"label_printed", order.ShipmentInfoReceived, ""},
		{"confirmed", order.ShipmentInfoReceived, ""},
		{"carrier_picked_up", order.ShipmentInTransit, ""},
		{"in_transit", order.ShipmentInTransit, ""},
		{"IN_TRANSIT", order.ShipmentInTransit, ""}, // GraphQL spelling
		{"delayed", order.ShipmentInTransit, "delayed"},
		{"out_for_delivery", order.ShipmentOutForDelivery, ""},
		{"ready_for_pickup", order.ShipmentAvailableForPickup, ""},
		{"attempted_delivery", order.ShipmentAttemptFailed, ""},
		{"delivered", order.ShipmentDelivered, ""},
		{"picked_up", order.ShipmentDelivered, "picked_up"},
		{"failure", order.ShipmentException, ""},
		{"returning_to_sender", order.ShipmentReturnedToSender, ""},
	} {
		t.Run(tc.shopify, func(t *testing.T) {
			// As a fulfillment's shipment_status...
			d, err := shopify.Parse(shopify.TopicFulfillmentUpdated, "w1", fixture.Edit(t, fixture.Load(t, "fulfillments_update.json"), "shipment_status", tc.shopify))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Tracking) != 1 {
				t.Fatalf("tracking events = %d", len(d.Tracking))
			}
			if e := d.Tracking[0]; e.Status != tc.status || e.Substatus != tc.substatus || e.RawStatus != tc.shopify {
				t.Errorf("fulfillment scan = %s/%s (raw %s), want %s/%s", e.Status, e.Substatus, e.RawStatus, tc.status, tc.substatus)
			}
			fixture.CheckDelivery(t, d)
			// ...and as a fulfillment event's status.
			d, err = shopify.Parse(shopify.TopicFulfillmentEventCreated, "w2", fixture.Edit(t, fixture.Load(t, "fulfillment_events_create.json"), "status", tc.shopify))
			if err != nil {
				t.Fatal(err)
			}
			if e := d.Tracking[0]; e.Status != tc.status || e.Substatus != tc.substatus {
				t.Errorf("fulfillment event = %s/%s, want %s/%s", e.Status, e.Substatus, tc.status, tc.substatus)
			}
			fixture.CheckDelivery(t, d)
		})
	}
}

// TestSemanticIDs checks that the same fact gets the same event id whatever
// webhook delivers it, and a different fact a different one.
func TestSemanticIDs(t *testing.T) {
	ids := func(topic, webhookID string, body []byte) []string {
		t.Helper()
		d, err := shopify.Parse(topic, webhookID, body)
		if err != nil {
			t.Fatal(err)
		}
		if d.EventID != webhookID {
			t.Errorf("delivery id = %q, want the webhook id %q", d.EventID, webhookID)
		}
		var out []string
		for _, e := range d.Commerce {
			out = append(out, e.ID)
		}
		for _, e := range d.Tracking {
			out = append(out, e.ID)
		}
		return out
	}
	created := fixture.Load(t, "fulfillments_create.json")
	same := []struct {
		name   string
		a, b   []string
		differ bool
	}{
		{"order created twice", ids(shopify.TopicOrderCreated, "w1", fixture.Load(t, "orders_create.json")), ids(shopify.TopicOrderCreated, "w2", fixture.Load(t, "orders_create.json")), false},
		{"order created, later edit", ids(shopify.TopicOrderCreated, "w1", fixture.Load(t, "orders_create.json")), ids(shopify.TopicOrderCreated, "w3", fixture.Edit(t, fixture.Load(t, "orders_create.json"), "updated_at", "2026-05-07T13:40:00+03:00")), false},
		{"fulfillment created then updated", ids(shopify.TopicFulfillmentCreated, "w1", created), ids(shopify.TopicFulfillmentUpdated, "w2", fixture.Edit(t, created, "updated_at", "2026-05-07T17:00:00+03:00")), false},
		{"tracking number case", ids(shopify.TopicFulfillmentCreated, "w1", fixture.Edit(t, created, "tracking_number", "1z827wk74630")), ids(shopify.TopicFulfillmentCreated, "w2", fixture.Edit(t, created, "tracking_number", "1Z827WK74630")), false},
		{"tracking number corrected", ids(shopify.TopicFulfillmentCreated, "w1", created), ids(shopify.TopicFulfillmentUpdated, "w2", fixture.Edit(t, created, "tracking_number", "05809023450000")), true},
		{"created vs cancelled", ids(shopify.TopicOrderCreated, "w1", fixture.Load(t, "orders_create.json")), ids(shopify.TopicOrderCancelled, "w1", fixture.Load(t, "orders_cancelled.json")), true},
		{"fulfillment event twice", ids(shopify.TopicFulfillmentEventCreated, "w1", fixture.Load(t, "fulfillment_events_create.json")), ids(shopify.TopicFulfillmentEventCreated, "w2", fixture.Load(t, "fulfillment_events_create.json")), false},
	}
	for _, tc := range same {
		if differ := !reflect.DeepEqual(tc.a, tc.b); differ != tc.differ {
			t.Errorf("%s: ids %q and %q, want differ=%v", tc.name, tc.a, tc.b, tc.differ)
		}
	}
}

func TestParseVariants(t *testing.T) {
	orderBody := fixture.Load(t, "orders_create.json")
	for _, tc := range []struct {
		name        string
		topic       string
		body        []byte
		check       func(d inbox.Delivery) bool
		description string
	}{
		{"phone not in E.164 is dropped", shopify.TopicOrderCreated,
			fixture.Edit(t, fixture.Edit(t, fixture.Edit(t, orderBody, "shipping_address.phone", "555-555-SHIP"), "billing_address.phone", "(312) 345-6789"), "phone", "860000000"),
			func(d inbox.Delivery) bool {
				c := d.Commerce[0]
				return c.Customer.Phone == "" && reflect.DeepEqual(c.Notify, []order.Channel{order.ChannelEmail})
			}, "no phone, email only"},
		{"phone-only order", shopify.TopicOrderCreated,
			fixture.Edit(t, fixture.Edit(t, fixture.Edit(t, fixture.Edit(t, orderBody, "email", nil), "contact_email", nil), "customer", nil), "phone", "+37061234567"),
			func(d inbox.Delivery) bool {
				c := d.Commerce[0]
				return c.Customer.Email == "" && c.Customer.Phone == "+37061234567" && c.Customer.Name == "Ona Petraitė" &&
					reflect.DeepEqual(c.Notify, []order.Channel{order.ChannelSMS})
			}, "sms only, name from the shipping address"},
		{"order without shipping address", shopify.TopicOrderCreated, fixture.Edit(t, orderBody, "shipping_address", nil),
			func(d inbox.Delivery) bool {
				return d.Commerce[0].ShippingAddress == nil && d.Commerce[0].Customer.Phone == "+37060000000"
			},
			"no address; phone from billing"},
		{"no carrier named", shopify.TopicFulfillmentCreated, fixture.Edit(t, fixture.Load(t, "fulfillments_create.json"), "tracking_company", nil),
			func(d inbox.Delivery) bool { return d.Commerce[0].Shipment.Carrier == "Other" }, `carrier "Other"`},
		{"estimated delivery", shopify.TopicFulfillmentCreated, fixture.Edit(t, fixture.Load(t, "fulfillments_create.json"), "estimated_delivery_at", "2026-05-09T12:00:00+03:00"),
			func(d inbox.Delivery) bool {
				eta := d.Commerce[0].Shipment.EstimatedDelivery
				return eta != nil && eta.Equal(fixture.UTC("2026-05-09T09:00:00Z"))
			}, "ETA set"},
		{"unknown shipment status", shopify.TopicFulfillmentUpdated, fixture.Edit(t, fixture.Load(t, "fulfillments_update.json"), "shipment_status", "teleported"),
			func(d inbox.Delivery) bool { return len(d.Commerce) == 1 && len(d.Tracking) == 0 }, "shipped, no scan"},
		{"cancelled fulfillment", shopify.TopicFulfillmentUpdated, fixture.Edit(t, fixture.Load(t, "fulfillments_update.json"), "status", "cancelled"),
			func(d inbox.Delivery) bool {
				return len(d.Commerce) == 0 && len(d.Tracking) == 1 && d.Tracking[0].Status == order.ShipmentCancelled &&
					d.Tracking[0].ID == "shopify/fulfillment/"+fulfillmentID+"/cancelled" && d.Tracking[0].TrackingNumber == "05809023456789"
			}, "a cancelled scan only"},
		{"fulfillment event without happened_at", shopify.TopicFulfillmentEventCreated, fixture.Edit(t, fixture.Load(t, "fulfillment_events_create.json"), "happened_at", nil),
			func(d inbox.Delivery) bool {
				return d.Tracking[0].OccurredAt.Equal(fixture.UTC("2026-05-07T19:06:31Z"))
			}, "created_at used"},
		{"string ids", shopify.TopicFulfillmentEventCreated, fixture.Edit(t, fixture.Load(t, "fulfillment_events_create.json"), "order_id", orderID),
			func(d inbox.Delivery) bool { return d.OrderID == orderID }, "same order id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := shopify.Parse(tc.topic, "w", tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(d) {
				g, _ := json.Marshal(d)
				t.Errorf("want %s, got %s", tc.description, g)
			}
			fixture.CheckDelivery(t, d)
		})
	}
}

func TestParseIgnored(t *testing.T) {
	for _, tc := range []struct {
		name, topic string
		body        []byte
	}{
		{"fulfillment without tracking", shopify.TopicFulfillmentCreated, fixture.Load(t, "fulfillments_create_untracked.json")},
		{"fulfillment update without tracking", shopify.TopicFulfillmentUpdated, fixture.Load(t, "fulfillments_create_untracked.json")},
		{"cancelled before tracking", shopify.TopicFulfillmentUpdated, fixture.Edit(t, fixture.Load(t, "fulfillments_create_untracked.json"), "status", "cancelled")},
		{"failed fulfillment", shopify.TopicFulfillmentUpdated, fixture.Edit(t, fixture.Load(t, "fulfillments_create.json"), "status", "error")},
		{"fulfillment event of unknown status", shopify.TopicFulfillmentEventCreated, fixture.Edit(t, fixture.Load(t, "fulfillment_events_create.json"), "status", "teleported")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shopify.Parse(tc.topic, "w", tc.body)
			if !errors.Is(err, inbox.ErrIgnored) {
				t.Errorf("err = %v, want ErrIgnored", err)
			}
		})
	}
}

func TestParseFieldErrors(t *testing.T) {
	orderBody := fixture.Load(t, "orders_create.json")
	fulfillment := fixture.Load(t, "fulfillments_create.json")
	event := fixture.Load(t, "fulfillment_events_create.json")
	for _, tc := range []struct {
		name, topic, webhookID string
		body                   []byte
		field                  string
	}{
		{"no webhook id", shopify.TopicOrderCreated, "", orderBody, "X-Shopify-Webhook-Id"},
		{"order without id", shopify.TopicOrderCreated, "w", fixture.Edit(t, orderBody, "id", fixture.Remove), "id"},
		{"order id zero", shopify.TopicOrderCreated, "w", fixture.Edit(t, orderBody, "id", 0), "id"},
		{"order without created_at", shopify.TopicOrderCreated, "w", fixture.Edit(t, orderBody, "created_at", nil), "created_at"},
		{"order with bad created_at", shopify.TopicOrderCreated, "w", fixture.Edit(t, orderBody, "created_at", "2026-05-07"), "created_at"},
		{"line without sku or id", shopify.TopicOrderCreated, "w", fixture.Edit(t, fixture.Edit(t, orderBody, "line_items.1.id", nil), "line_items.1.sku", nil), "line_items[1].sku"},
		{"cancellation without cancelled_at", shopify.TopicOrderCancelled, "w", fixture.Edit(t, fixture.Load(t, "orders_cancelled.json"), "cancelled_at", nil), "cancelled_at"},
		{"fulfillment without id", shopify.TopicFulfillmentCreated, "w", fixture.Edit(t, fulfillment, "id", fixture.Remove), "id"},
		{"fulfillment without order", shopify.TopicFulfillmentCreated, "w", fixture.Edit(t, fulfillment, "order_id", fixture.Remove), "order_id"},
		{"fulfillment without times", shopify.TopicFulfillmentCreated, "w", fixture.Edit(t, fixture.Edit(t, fulfillment, "created_at", nil), "updated_at", nil), "created_at"},
		{"fulfillment with bad ETA", shopify.TopicFulfillmentCreated, "w", fixture.Edit(t, fulfillment, "estimated_delivery_at", "Friday"), "estimated_delivery_at"},
		{"fulfillment line without sku or id", shopify.TopicFulfillmentCreated, "w", fixture.Edit(t, fixture.Edit(t, fulfillment, "line_items.0.id", nil), "line_items.0.sku", nil), "line_items[0].sku"},
		{"event without id", shopify.TopicFulfillmentEventCreated, "w", fixture.Edit(t, event, "id", fixture.Remove), "id"},
		{"event without fulfillment", shopify.TopicFulfillmentEventCreated, "w", fixture.Edit(t, event, "fulfillment_id", nil), "fulfillment_id"},
		{"event without order", shopify.TopicFulfillmentEventCreated, "w", fixture.Edit(t, event, "order_id", fixture.Remove), "order_id"},
		{"event without status", shopify.TopicFulfillmentEventCreated, "w", fixture.Edit(t, event, "status", nil), "status"},
		{"event with bad happened_at", shopify.TopicFulfillmentEventCreated, "w", fixture.Edit(t, event, "happened_at", "yesterday"), "happened_at"},
		{"event without any time", shopify.TopicFulfillmentEventCreated, "w", fixture.Edit(t, fixture.Edit(t, event, "happened_at", nil), "created_at", nil), "happened_at"},
		{"event with bad ETA", shopify.TopicFulfillmentEventCreated, "w", fixture.Edit(t, event, "estimated_delivery_at", "soon"), "estimated_delivery_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shopify.Parse(tc.topic, tc.webhookID, tc.body)
			if got := fixture.FieldOf(err); got != tc.field {
				t.Errorf("err = %v, want a FieldError for %q", err, tc.field)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, topic, body string
		want              any
	}{
		{"empty", shopify.TopicOrderCreated, ``, new(*json.SyntaxError)},
		{"truncated", shopify.TopicFulfillmentCreated, `{"id": 1, "order_id":`, new(*json.SyntaxError)},
		{"not an object", shopify.TopicFulfillmentEventCreated, `"in_transit"`, new(*json.UnmarshalTypeError)},
		{"id an object", shopify.TopicOrderCancelled, `{"id": {"value": 1}, "cancelled_at": "2026-05-07T14:02:45+03:00"}`, new(*json.UnmarshalTypeError)},
		{"line items an object", shopify.TopicOrderCreated, `{"id": 1, "line_items": {}}`, new(*json.UnmarshalTypeError)},
		{"tracking numbers a string", shopify.TopicFulfillmentUpdated, `{"id": 1, "order_id": 2, "tracking_numbers": "1Z"}`, new(*json.UnmarshalTypeError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := shopify.Parse(tc.topic, "w", []byte(tc.body))
			if err == nil || !errors.As(err, tc.want) {
				t.Errorf("err = %v (%T), want %T", err, err, tc.want)
			}
		})
	}
}

func TestParseUnsupported(t *testing.T) {
	for _, topic := range []string{"orders/paid", "orders/edited", "products/create", "", "ORDERS/CREATE"} {
		_, err := shopify.Parse(topic, "w", fixture.Load(t, "orders_create.json"))
		if !errors.Is(err, inbox.ErrUnsupported) {
			t.Errorf("topic %q: err = %v, want ErrUnsupported", topic, err)
		}
	}
}

// An order nobody can be messaged about (a point-of-sale sale) is still tracked: refusing it
// would make Shopify retry and in the end drop the subscription.
func TestOrderWithoutContactIsTrackedSilently(t *testing.T) {
	body := fixture.Load(t, "orders_create.json")
	for _, field := range []string{"email", "contact_email", "customer", "shipping_address", "billing_address", "phone"} {
		body = fixture.Edit(t, body, field, nil)
	}
	d, err := shopify.Parse(shopify.TopicOrderCreated, "w-silent", body)
	if err != nil {
		t.Fatalf("contactless order refused: %v", err)
	}
	e := d.Commerce[0]
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if e.Customer.Email != "" || e.Customer.Phone != "" || len(e.Notify) != 0 {
		t.Errorf("customer %+v, channels %v: want no contact and no channels", e.Customer, e.Notify)
	}
}
