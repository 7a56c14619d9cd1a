package magento_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/shipflow/shipflow/commerce/magento"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

func types(d inbox.Delivery) []order.EventType {
	var ts []order.EventType
	for _, e := range d.Commerce {
		ts = append(ts, e.Type)
	}
	return ts
}

func TestParseOrderStates(t *testing.T) {
	raw := fixture.Load(t, "order.json")
	created, confirmed, cancelled, refunded := order.EventCreated, order.EventConfirmed, order.EventCancelled, order.EventRefundProcessed
	for _, tc := range []struct {
		state string
		want  []order.EventType
	}{
		{"new", []order.EventType{created}},
		{"holded", []order.EventType{created}},
		{"payment_review", []order.EventType{created}},
		{"processing", []order.EventType{created, confirmed}},
		{"complete", []order.EventType{created, confirmed}},
		{"closed", []order.EventType{created, confirmed, refunded}},
		{"canceled", []order.EventType{cancelled}},
		{"Processing ", []order.EventType{created, confirmed}},
	} {
		o, err := magento.ParseOrder(fixture.Edit(t, raw, "state", tc.state))
		if err != nil {
			t.Fatalf("%s: %v", tc.state, err)
		}
		fixture.CheckDelivery(t, o.Delivery)
		if got := types(o.Delivery); !slices.Equal(got, tc.want) {
			t.Errorf("%s: events %v, want %v", tc.state, got, tc.want)
		}
		if o.Delivery.Source != inbox.SourceMagento || o.Number != "000000012" {
			t.Errorf("%s: source %q number %q", tc.state, o.Delivery.Source, o.Number)
		}
	}
	if _, err := magento.ParseOrder(fixture.Edit(t, raw, "state", "pending_payment")); !errors.Is(err, inbox.ErrIgnored) {
		t.Errorf("pending_payment: err = %v, want ErrIgnored", err)
	}
	if _, err := magento.ParseOrder(fixture.Edit(t, raw, "state", "")); fixture.FieldOf(err) != "state" {
		t.Errorf("no state: err = %v", err)
	}
}

func TestParseOrderFields(t *testing.T) {
	o, err := magento.ParseOrder(fixture.Load(t, "order.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (magento.Key{UpdatedAt: fixture.UTC("2026-05-07T10:31:05Z"), ID: 12}); o.Key != want {
		t.Errorf("key = %+v, want %+v", o.Key, want)
	}
	if want := "order/12/2026-05-07T10:31:05Z/processing"; o.Delivery.EventID != want {
		t.Errorf("event id = %q, want %q", o.Delivery.EventID, want)
	}
	c := o.Delivery.Commerce[0]
	if c.ID != "magento/order/000000012/created" || !c.Timestamp.Equal(fixture.UTC("2026-05-07T10:30:00Z")) {
		t.Errorf("created = %s at %s", c.ID, c.Timestamp)
	}
	// The national "8 600 00000" is completed by the billing country (LT).
	if want := (order.Customer{Name: "Ona Petraitė", Email: "ona@example.com", Phone: "+37060000000"}); *c.Customer != want {
		t.Errorf("customer = %+v, want %+v", *c.Customer, want)
	}
	if !slices.Equal(c.Notify, []order.Channel{order.ChannelEmail, order.ChannelSMS}) {
		t.Errorf("notify = %v", c.Notify)
	}
	wantItems := []order.Item{{SKU: "TSHIRT-M-BLUE", Name: "T-shirt", Quantity: 1}, {SKU: "COFFEE-BEANS", Name: "Coffee beans (kg)", Quantity: 2}, {SKU: "magento-item-34", Name: "Gift wrap", Quantity: 1}}
	if !slices.Equal(c.Items, wantItems) {
		t.Errorf("items = %+v, want %+v", c.Items, wantItems)
	}
	if want := (order.Address{Name: "Jonas Petraitis", Line1: "Laisvės al. 10", City: "Kaunas", PostalCode: "44240", Country: "LT"}); c.ShippingAddress == nil || *c.ShippingAddress != want {
		t.Errorf("shipping address = %+v", c.ShippingAddress)
	}
	if o.Delivered {
		t.Error("processing order is not delivered")
	}

	closed, err := magento.ParseOrder(fixture.Edit(t, fixture.Load(t, "order.json"), "state", "closed"))
	if err != nil {
		t.Fatal(err)
	}
	if r := closed.Delivery.Commerce[2]; r.Amount != "47.5" || r.Currency != "EUR" || r.ID != "magento/order/000000012/refunded" {
		t.Errorf("refund = %+v", r)
	}
}

func TestParseOrderContacts(t *testing.T) {
	raw := fixture.Load(t, "order.json")
	// A guest: no customer name; the billing address names them. A telephone that is not a
	// number anywhere is dropped; the shipping one (international form) stands in.
	guest := fixture.EditFunc(t, raw, func(doc map[string]any) {
		doc["customer_firstname"], doc["customer_lastname"] = nil, nil
		doc["billing_address"].(map[string]any)["telephone"] = "ask at the door"
	})
	o, err := magento.ParseOrder(guest)
	if err != nil {
		t.Fatal(err)
	}
	if c := o.Delivery.Commerce[0].Customer; c.Name != "Ona Petraitė" || c.Phone != "+37061111111" {
		t.Errorf("guest customer = %+v", c)
	}
	// No usable contact at all: still tracked, told nothing.
	none := fixture.EditFunc(t, raw, func(doc map[string]any) {
		doc["customer_email"] = "not an address"
		b := doc["billing_address"].(map[string]any)
		b["telephone"], b["email"] = "", ""
		doc["extension_attributes"] = nil
	})
	o, err = magento.ParseOrder(none)
	if err != nil {
		t.Fatal(err)
	}
	if c := o.Delivery.Commerce[0]; c.Customer.Email != "" || c.Customer.Phone != "" || len(c.Notify) != 0 || c.ShippingAddress != nil {
		t.Errorf("no contact = %+v %+v", c.Customer, c)
	}
}

func TestParseOrderRefusals(t *testing.T) {
	raw := fixture.Load(t, "order.json")
	for _, tc := range []struct {
		path  string
		value any
		field string
	}{
		{"entity_id", fixture.Remove, "entity_id"},
		{"entity_id", "12a", "entity_id"},
		{"increment_id", fixture.Remove, "increment_id"},
		{"increment_id", "0000\u000012", "increment_id"},
		{"updated_at", "yesterday", "updated_at"},
		{"created_at", "2026-13-01 00:00:00", "created_at"},
		{"items.2.qty_ordered", -1, "items[2].qty_ordered"},
	} {
		_, err := magento.ParseOrder(fixture.Edit(t, raw, tc.path, tc.value))
		if fixture.FieldOf(err) != tc.field {
			t.Errorf("%s = %v: err = %v, want field %s", tc.path, tc.value, err, tc.field)
		}
	}
	// The inbox's input rules apply: a name too long for a message is refused.
	long := fixture.Edit(t, raw, "customer_firstname", string(make([]byte, 5000)))
	if _, err := magento.ParseOrder(long); err == nil {
		t.Error("a 5000-byte name was accepted")
	}
	if _, err := magento.ParseOrder([]byte(`{"entity_id":`)); err == nil {
		t.Error("broken JSON accepted")
	}
}

func TestParseShipment(t *testing.T) {
	s, err := magento.ParseShipment(fixture.Load(t, "shipment.json"), "000000012")
	if err != nil {
		t.Fatal(err)
	}
	fixture.CheckDelivery(t, s.Delivery)
	if s.Delivery.EventID != "shipment/7/2026-05-08T09:05:00Z" {
		t.Errorf("event id = %q", s.Delivery.EventID)
	}
	// Oldest track first keeps the shipment's number; the repeated number (other case) is one
	// parcel; a custom carrier is named by its title.
	want := []order.ShipmentInfo{
		{ID: "000000007", Carrier: "ups", TrackingNumber: "1Z999AA10123456784", Items: []string{"TSHIRT-M-BLUE", "COFFEE-BEANS"}},
		{ID: "000000007-05222012345678", Carrier: "DPD Lietuva", TrackingNumber: "05222012345678", Items: []string{"TSHIRT-M-BLUE", "COFFEE-BEANS"}},
	}
	if len(s.Delivery.Commerce) != len(want) {
		t.Fatalf("events = %+v", s.Delivery.Commerce)
	}
	for i, e := range s.Delivery.Commerce {
		if e.Type != order.EventShipped || e.OrderID != "000000012" || !e.Timestamp.Equal(fixture.UTC("2026-05-08T09:00:00Z")) {
			t.Errorf("event %d = %+v", i, e)
		}
		if got := *e.Shipment; got.ID != want[i].ID || got.Carrier != want[i].Carrier || got.TrackingNumber != want[i].TrackingNumber || !slices.Equal(got.Items, want[i].Items) {
			t.Errorf("shipment %d = %+v, want %+v", i, got, want[i])
		}
	}
	if id, err := magento.ShipmentOrder(fixture.Load(t, "shipment.json")); err != nil || id != 12 {
		t.Errorf("ShipmentOrder = %d, %v", id, err)
	}
	untracked := fixture.Edit(t, fixture.Load(t, "shipment.json"), "tracks", []any{})
	if _, err := magento.ParseShipment(untracked, "000000012"); !errors.Is(err, inbox.ErrIgnored) {
		t.Errorf("untracked: %v", err)
	}
	if _, err := magento.ParseShipment(fixture.Load(t, "shipment.json"), ""); err == nil {
		t.Error("no order number accepted")
	}
}

func TestDeliveredEvents(t *testing.T) {
	raw := fixture.EditFunc(t, fixture.Load(t, "order.json"), func(doc map[string]any) {
		doc["state"], doc["status"] = "complete", "delivered"
	})
	o, err := magento.ParseOrder(raw)
	if err != nil || !o.Delivered {
		t.Fatalf("delivered order: %+v, %v", o, err)
	}
	d, err := magento.DeliveredEvents(o, []json.RawMessage{fixture.Load(t, "shipment.json")})
	if err != nil {
		t.Fatal(err)
	}
	fixture.CheckDelivery(t, d)
	if len(d.Commerce) != 2 || d.Commerce[0].ShipmentID != "000000007" || d.Commerce[1].ShipmentID != "000000007-05222012345678" || d.EventID == o.Delivery.EventID {
		t.Errorf("delivered = %+v", d)
	}
	if _, err := magento.DeliveredEvents(o, nil); !errors.Is(err, inbox.ErrIgnored) {
		t.Errorf("no shipments: %v", err)
	}
}

func TestParsePage(t *testing.T) {
	p, err := magento.ParsePage([]byte(`{"items":[{"entity_id":1}],"search_criteria":{},"total_count":1}`))
	if err != nil || len(p.Items) != 1 || p.TotalCount != 1 {
		t.Errorf("page = %+v, %v", p, err)
	}
	if p, err := magento.ParsePage([]byte(`{"items":null,"total_count":0}`)); err != nil || len(p.Items) != 0 {
		t.Errorf("empty page = %+v, %v", p, err)
	}
	for _, body := range []string{`<html>`, `{"items":[1]}`, `{"items":{}}`, `{"items":[],"total_count":-1}`, string(make([]byte, magento.MaxPage+1))} {
		if _, err := magento.ParsePage([]byte(body)); !errors.Is(err, magento.ErrMalformed) {
			t.Errorf("%.20q: err = %v", body, err)
		}
	}
}

func TestKeyOrder(t *testing.T) {
	t0 := time.Date(2026, 5, 7, 10, 0, 0, 0, time.UTC)
	a, b, c := magento.Key{UpdatedAt: t0, ID: 5}, magento.Key{UpdatedAt: t0, ID: 6}, magento.Key{UpdatedAt: t0.Add(time.Second), ID: 1}
	if !b.After(a) || !c.After(b) || a.After(a) || a.After(c) {
		t.Error("keys out of order")
	}
	k, err := magento.KeyOf([]byte(`{"entity_id":"9","created_at":"2026-05-07 10:00:00"}`))
	if err != nil || k.ID != 9 || !k.UpdatedAt.Equal(t0) {
		t.Errorf("key of a never-updated entity = %+v, %v", k, err)
	}
}
