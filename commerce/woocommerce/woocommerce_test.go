package woocommerce_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/shipflow/shipflow/commerce/woocommerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

const deliveryID = "a1b9e7c35f2d4e6b8a0c1d2e3f405162"

func TestParse(t *testing.T) {
	created := order.CommerceEvent{
		ID:        "woocommerce/order/727/created",
		Type:      order.EventCreated,
		Timestamp: fixture.UTC("2026-05-07T10:30:12Z"),
		OrderID:   "727",
		Customer:  &order.Customer{Name: "Jonas Kazlauskas", Email: "jonas.kazlauskas@example.com", Phone: "+37061234567"},
		Notify:    []order.Channel{order.ChannelEmail, order.ChannelSMS},
		Items: []order.Item{
			{SKU: "TOWEL-LIN-01", Name: "Linen tea towel", Quantity: 2},
			{SKU: "woocommerce-line-item-316", Name: "Handmade soap - Lavender", Quantity: 1},
		},
		ShippingAddress: &order.Address{Name: "Jonas Kazlauskas", Line1: "Laisvės al. 53", Line2: "3 aukštas", City: "Kaunas", PostalCode: "44309", Country: "LT"},
	}
	event := func(typ order.EventType, ts, suffix string) order.CommerceEvent {
		return order.CommerceEvent{ID: "woocommerce/order/727/" + suffix, Type: typ, Timestamp: fixture.UTC(ts), OrderID: "727"}
	}
	confirmed := event(order.EventConfirmed, "2026-05-07T10:30:15Z", "confirmed")
	shipped := func(tn, carrier string) order.CommerceEvent {
		e := event(order.EventShipped, "2026-05-08T06:02:41Z", "shipped/"+tn)
		e.Shipment = &order.ShipmentInfo{ID: "woo-" + tn, Carrier: carrier, TrackingNumber: tn}
		return e
	}
	delivered := func(tn string) order.CommerceEvent {
		e := event(order.EventDelivered, "2026-05-08T06:02:41Z", "delivered/"+tn)
		e.ShipmentID = "woo-" + tn
		return e
	}
	dpd, omniva := shipped("05809023456789", "dpd-lt"), shipped("CE123456789LT", "Omniva")
	refund := event(order.EventRefundProcessed, "2026-05-07T10:30:15Z", "refunded")
	refund.Amount, refund.Currency = "40.90", "EUR"
	completed := fixture.Load(t, "order_completed.json")
	for _, tc := range []struct {
		name, topic string
		body        []byte
		want        []order.CommerceEvent
	}{
		{"created, paid", woocommerce.TopicOrderCreated, fixture.Load(t, "order.json"), []order.CommerceEvent{created, confirmed}},
		{"created, awaiting payment", woocommerce.TopicOrderCreated, fixture.Edit(t, fixture.Load(t, "order.json"), "status", "pending"), []order.CommerceEvent{created}},
		{"created, already completed", woocommerce.TopicOrderCreated, completed, []order.CommerceEvent{created, dpd, omniva}},
		{"processing", woocommerce.TopicOrderUpdated, fixture.Load(t, "order.json"), []order.CommerceEvent{confirmed}},
		{"completed", woocommerce.TopicOrderUpdated, completed, []order.CommerceEvent{dpd, omniva}},
		{"shipped (tracking plugin status)", woocommerce.TopicOrderUpdated, fixture.Edit(t, completed, "status", "shipped"), []order.CommerceEvent{dpd, omniva}},
		{"partially shipped", woocommerce.TopicOrderUpdated, fixture.Edit(t, completed, "status", "partial-shipped"), []order.CommerceEvent{dpd, omniva}},
		{"delivered (tracking plugin status)", woocommerce.TopicOrderUpdated, fixture.Edit(t, completed, "status", "delivered"),
			[]order.CommerceEvent{dpd, delivered("05809023456789"), omniva, delivered("CE123456789LT")}},
		{"cancelled", woocommerce.TopicOrderUpdated, fixture.Edit(t, fixture.Load(t, "order.json"), "status", "cancelled"),
			[]order.CommerceEvent{event(order.EventCancelled, "2026-05-07T10:30:15Z", "cancelled")}},
		{"refunded", woocommerce.TopicOrderUpdated, fixture.Edit(t, fixture.Load(t, "order.json"), "status", "refunded"), []order.CommerceEvent{refund}},
		{"never modified", woocommerce.TopicOrderUpdated, fixture.Edit(t, fixture.Load(t, "order.json"), "date_modified_gmt", nil),
			[]order.CommerceEvent{event(order.EventConfirmed, "2026-05-07T10:30:12Z", "confirmed")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := woocommerce.Parse(tc.topic, deliveryID, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			want := inbox.Delivery{Source: inbox.SourceWooCommerce, EventID: deliveryID, Commerce: tc.want}
			if !reflect.DeepEqual(d, want) {
				g, _ := json.MarshalIndent(d, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("delivery\n got %s\nwant %s", g, w)
			}
			fixture.CheckDelivery(t, d)
		})
	}
}

func TestParseDeleted(t *testing.T) {
	before := time.Now().Add(-time.Second)
	for _, body := range []string{`{"id":727}`, `{"id":"727"}`} {
		d, err := woocommerce.Parse(woocommerce.TopicOrderDeleted, deliveryID, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		fixture.CheckDelivery(t, d)
		if len(d.Commerce) != 1 {
			t.Fatalf("events = %+v", d.Commerce)
		}
		e := d.Commerce[0]
		if e.ID != "woocommerce/order/727/deleted" || e.Type != order.EventCancelled || e.OrderID != "727" || e.Reason != "deleted" {
			t.Errorf("event = %+v", e)
		}
		// A deleted order's payload has no time: it is dated when read.
		if e.Timestamp.Before(before) || e.Timestamp.After(time.Now()) || e.Timestamp.Location() != time.UTC {
			t.Errorf("timestamp = %v, want about now", e.Timestamp)
		}
	}
	// A whole order, if a filter sends one, dates the deletion itself.
	d, err := woocommerce.Parse(woocommerce.TopicOrderDeleted, deliveryID, fixture.Load(t, "order.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Commerce[0].Timestamp; !got.Equal(fixture.UTC("2026-05-07T10:30:15Z")) {
		t.Errorf("timestamp = %v, want date_modified_gmt", got)
	}
}

func TestParseVariants(t *testing.T) {
	paid := fixture.Load(t, "order.json")
	completed := fixture.Load(t, "order_completed.json")
	for _, tc := range []struct {
		name, topic string
		body        []byte
		check       func(d inbox.Delivery) bool
		description string
	}{
		{"local phone is dropped", woocommerce.TopicOrderCreated, fixture.Edit(t, paid, "billing.phone", "861234567"),
			func(d inbox.Delivery) bool {
				c := d.Commerce[0]
				return c.Customer.Phone == "" && len(c.Notify) == 1 && c.Notify[0] == "email"
			}, "email only"},
		{"phone-only customer", woocommerce.TopicOrderCreated, fixture.Edit(t, paid, "billing.email", ""),
			func(d inbox.Delivery) bool {
				c := d.Commerce[0]
				return c.Customer.Email == "" && c.Customer.Phone == "+37061234567" && len(c.Notify) == 1 && c.Notify[0] == "sms"
			}, "sms only"},
		{"virtual order", woocommerce.TopicOrderCreated, fixture.Edit(t, paid, "shipping", map[string]any{"first_name": "", "last_name": "", "address_1": "", "city": "", "postcode": "", "country": ""}),
			func(d inbox.Delivery) bool { return d.Commerce[0].ShippingAddress == nil }, "no shipping address"},
		{"tracking meta keyed by index", woocommerce.TopicOrderUpdated,
			fixture.Edit(t, completed, "meta_data.2.value", map[string]any{
				"3": map[string]any{"tracking_provider": "", "custom_tracking_provider": "Omniva", "tracking_number": "CE123456789LT"},
				"1": map[string]any{"tracking_provider": "dpd-lt", "tracking_number": "05809023456789"},
			}),
			func(d inbox.Delivery) bool {
				return len(d.Commerce) == 2 && d.Commerce[0].Shipment.TrackingNumber == "05809023456789" && d.Commerce[1].Shipment.Carrier == "Omniva"
			}, "both shipments, in key order"},
		{"duplicate and blank tracking items", woocommerce.TopicOrderUpdated,
			fixture.Edit(t, completed, "meta_data.2.value", []any{
				map[string]any{"tracking_provider": "dpd-lt", "tracking_number": "05809023456789"},
				map[string]any{"tracking_provider": "dpd-lt", "tracking_number": " 0580 9023456789 "},
				map[string]any{"tracking_provider": "dpd-lt", "tracking_number": ""},
			}),
			func(d inbox.Delivery) bool { return len(d.Commerce) == 1 }, "one shipment"},
		{"tracking item without carrier", woocommerce.TopicOrderUpdated,
			fixture.Edit(t, completed, "meta_data.2.value", []any{map[string]any{"tracking_number": "05809023456789"}}),
			func(d inbox.Delivery) bool { return d.Commerce[0].Shipment.Carrier == "Other" }, `carrier "Other"`},
		{"lower-case currency", woocommerce.TopicOrderUpdated, fixture.Edit(t, fixture.Edit(t, paid, "status", "refunded"), "currency", "eur"),
			func(d inbox.Delivery) bool { return d.Commerce[0].Currency == "EUR" }, "EUR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := woocommerce.Parse(tc.topic, deliveryID, tc.body)
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

// TestSemanticIDs checks that WooCommerce's re-sending of the whole order,
// under a new delivery id each time, gives the same event ids.
func TestSemanticIDs(t *testing.T) {
	ids := func(topic, id string, body []byte) []string {
		t.Helper()
		d, err := woocommerce.Parse(topic, id, body)
		if err != nil {
			t.Fatal(err)
		}
		if d.EventID != id {
			t.Errorf("delivery id = %q, want %q", d.EventID, id)
		}
		var out []string
		for _, e := range d.Commerce {
			out = append(out, e.ID)
		}
		return out
	}
	completed := fixture.Load(t, "order_completed.json")
	for _, tc := range []struct {
		name   string
		a, b   []string
		differ bool
	}{
		{"retry", ids(woocommerce.TopicOrderUpdated, "d1", completed), ids(woocommerce.TopicOrderUpdated, "d2", completed), false},
		{"note added later", ids(woocommerce.TopicOrderUpdated, "d1", completed), ids(woocommerce.TopicOrderUpdated, "d2", fixture.Edit(t, completed, "date_modified_gmt", "2026-05-09T08:00:00")), false},
		{"created then updated", ids(woocommerce.TopicOrderCreated, "d1", fixture.Load(t, "order.json"))[1:], ids(woocommerce.TopicOrderUpdated, "d2", fixture.Load(t, "order.json")), false},
		{"tracking number added", ids(woocommerce.TopicOrderUpdated, "d1", completed)[:1], ids(woocommerce.TopicOrderUpdated, "d2", fixture.Edit(t, completed, "meta_data.2.value.0.tracking_number", "05809020000000"))[:1], true},
		{"cancelled vs deleted", ids(woocommerce.TopicOrderUpdated, "d1", fixture.Edit(t, fixture.Load(t, "order.json"), "status", "cancelled")), ids(woocommerce.TopicOrderDeleted, "d2", fixture.Load(t, "order_deleted.json")), true},
	} {
		if differ := !reflect.DeepEqual(tc.a, tc.b); differ != tc.differ {
			t.Errorf("%s: ids %q and %q, want differ=%v", tc.name, tc.a, tc.b, tc.differ)
		}
	}
}

func TestParseIgnored(t *testing.T) {
	paid := fixture.Load(t, "order.json")
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"on hold", fixture.Edit(t, paid, "status", "on-hold")},
		{"pending payment", fixture.Edit(t, paid, "status", "pending")},
		{"failed payment", fixture.Edit(t, paid, "status", "failed")},
		{"checkout draft", fixture.Edit(t, paid, "status", "checkout-draft")},
		{"custom status", fixture.Edit(t, paid, "status", "awaiting-pickup")},
		{"completed without tracking", fixture.Edit(t, paid, "status", "completed")},
		{"completed with empty tracking", fixture.Edit(t, fixture.Load(t, "order_completed.json"), "meta_data.2.value", []any{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := woocommerce.Parse(woocommerce.TopicOrderUpdated, deliveryID, tc.body)
			if !errors.Is(err, inbox.ErrIgnored) {
				t.Errorf("err = %v, want ErrIgnored", err)
			}
		})
	}
}

func TestParseFieldErrors(t *testing.T) {
	paid := fixture.Load(t, "order.json")
	for _, tc := range []struct {
		name, topic, id string
		body            []byte
		field           string
	}{
		{"no delivery id", woocommerce.TopicOrderUpdated, "", paid, "X-WC-Webhook-Delivery-ID"},
		{"no order id", woocommerce.TopicOrderCreated, deliveryID, fixture.Edit(t, paid, "id", fixture.Remove), "id"},
		{"deleted without id", woocommerce.TopicOrderDeleted, deliveryID, []byte(`{}`), "id"},
		{"no creation time", woocommerce.TopicOrderCreated, deliveryID, fixture.Edit(t, paid, "date_created_gmt", nil), "date_created_gmt"},
		{"bad creation time", woocommerce.TopicOrderCreated, deliveryID, fixture.Edit(t, paid, "date_created_gmt", "07/05/2026"), "date_created_gmt"},
		{"bad modification time", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, paid, "date_modified_gmt", "yesterday"), "date_modified_gmt"},
		{"no time at all", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, fixture.Edit(t, paid, "date_modified_gmt", nil), "date_created_gmt", nil), "date_modified_gmt"},
		{"no status", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, paid, "status", fixture.Remove), "status"},
		{"line without sku or id", woocommerce.TopicOrderCreated, deliveryID, fixture.Edit(t, paid, "line_items.1.id", nil), "line_items[1].id"},
		{"refund without total", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, fixture.Edit(t, paid, "status", "refunded"), "total", ""), "total"},
		{"refund with bad total", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, fixture.Edit(t, paid, "status", "refunded"), "total", "40,90"), "total"},
		{"refund without currency", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, fixture.Edit(t, paid, "status", "refunded"), "currency", ""), "currency"},
		{"refund with bad currency", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, fixture.Edit(t, paid, "status", "refunded"), "currency", "€"), "currency"},
		{"tracking meta not a list", woocommerce.TopicOrderUpdated, deliveryID, fixture.Edit(t, fixture.Load(t, "order_completed.json"), "meta_data.2.value", "a:1:{i:0;a:0:{}}"), "meta_data[2].value"},
		{"deleted with bad time", woocommerce.TopicOrderDeleted, deliveryID, []byte(`{"id":727,"date_modified_gmt":"now"}`), "date_modified_gmt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := woocommerce.Parse(tc.topic, tc.id, tc.body)
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
		{"empty", woocommerce.TopicOrderCreated, ``, new(*json.SyntaxError)},
		{"the ping", woocommerce.TopicOrderCreated, `webhook_id=15`, new(*json.SyntaxError)},
		{"truncated", woocommerce.TopicOrderUpdated, `{"id":727,"status":`, new(*json.SyntaxError)},
		{"list", woocommerce.TopicOrderDeleted, `[727]`, new(*json.UnmarshalTypeError)},
		{"id a float", woocommerce.TopicOrderDeleted, `{"id":727.5}`, new(*json.UnmarshalTypeError)},
		{"billing a list", woocommerce.TopicOrderCreated, `{"id":727,"billing":[]}`, new(*json.UnmarshalTypeError)},
		{"quantity a string", woocommerce.TopicOrderCreated, `{"id":727,"line_items":[{"quantity":"2"}]}`, new(*json.UnmarshalTypeError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := woocommerce.Parse(tc.topic, deliveryID, []byte(tc.body))
			if err == nil || !errors.As(err, tc.want) {
				t.Errorf("err = %v (%T), want %T", err, err, tc.want)
			}
		})
	}
}

func TestParseUnsupported(t *testing.T) {
	for _, topic := range []string{"order.restored", "product.created", "action.woocommerce_add_to_cart", "", "Order.Created"} {
		_, err := woocommerce.Parse(topic, deliveryID, fixture.Load(t, "order.json"))
		if !errors.Is(err, inbox.ErrUnsupported) {
			t.Errorf("topic %q: err = %v, want ErrUnsupported", topic, err)
		}
	}
}

func TestIsPing(t *testing.T) {
	for _, tc := range []struct {
		contentType, body string
		want              bool
	}{
		{"application/x-www-form-urlencoded", string(fixture.Load(t, "ping.txt")), true},
		{"application/x-www-form-urlencoded; charset=UTF-8", "webhook_id=15", true},
		{"", "webhook_id=15", true},
		{"application/x-www-form-urlencoded", "webhook_id=15\n", true},
		{"application/json", "webhook_id=15", false},
		{"application/json", `{"webhook_id":15}`, false},
		{"application/x-www-form-urlencoded", "webhook_id=", false},
		{"application/x-www-form-urlencoded", "webhook_id=abc", false},
		{"application/x-www-form-urlencoded", "webhook_id=15&x=1", false},
		{"application/x-www-form-urlencoded", "webhook_id=15&webhook_id=16", false},
		{"application/x-www-form-urlencoded", "id=15", false},
		{"application/x-www-form-urlencoded", "", false},
		{"application/x-www-form-urlencoded", "webhook_id=%zz", false},
		{"not a media type;;", "webhook_id=15", false},
		{"application/json", string(fixture.Load(t, "order.json")), false},
	} {
		if got := woocommerce.IsPing(tc.contentType, []byte(tc.body)); got != tc.want {
			t.Errorf("IsPing(%q, %q) = %v, want %v", tc.contentType, tc.body, got, tc.want)
		}
	}
}
