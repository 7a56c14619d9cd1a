package commerce_test

import (
	"testing"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/order"
)

func TestParseContactChange(t *testing.T) {
	for _, name := range []string{"customer.updated.json", "order.updated.json"} {
		d, err := commerce.Parse("msg_c", fixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e := d.Commerce[0]
		if e.Customer == nil || e.Customer.Email != "ona.new@example.com" || e.OrderID != "LT-100234" {
			t.Errorf("%s: %+v", name, e)
		}
	}
	raw := fixture(t, "customer.updated.json")
	for _, c := range []struct {
		path  string
		value any
		field string
	}{
		{"data.customer", remove, "data.customer"},
		{"data.customer.phone", "860000000", "data.customer.phone"},
		{"data.customer.email", "Ona <ona@example.com>", "data.customer.email"},
		{"data.customer.locale", "lt\u0000", "data.customer.locale"},
		{"data.customer.time_zone", "Europe/\u202eVilnius", "data.customer.time_zone"},
		{"data.customer.email", string(make([]byte, 300)), "data.customer.email"},
	} {
		if _, err := commerce.Parse("msg_c", edit(t, raw, c.path, c.value)); fieldOf(err) != c.field {
			t.Errorf("%s = %q: error %v, want one naming %s", c.path, c.value, err, c.field)
		}
	}
}

func TestParseReturnShipment(t *testing.T) {
	d, err := commerce.Parse("msg_r", fixture(t, "order.return.initiated.label.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := order.ShipmentInfo{ID: "ret-1", Carrier: "DPD", TrackingNumber: "05299912345678"}
	if rs := d.Commerce[0].ReturnShipment; rs == nil || rs.ID != want.ID || rs.Carrier != want.Carrier || rs.TrackingNumber != want.TrackingNumber {
		t.Errorf("return shipment = %+v", rs)
	}
	raw := fixture(t, "order.return.initiated.label.json")
	if d, err := commerce.Parse("msg_r", edit(t, raw, "data.return_shipment.shipment_id", remove)); err != nil || d.Commerce[0].ReturnShipment.ID != "" {
		t.Errorf("without an id: %v", err)
	}
	if d, err := commerce.Parse("msg_r", fixture(t, "order.return.initiated.json")); err != nil || d.Commerce[0].ReturnShipment != nil {
		t.Errorf("without a parcel: %v", err)
	}
	for _, c := range []struct {
		path  string
		value any
		field string
	}{
		{"data.return_shipment.carrier", remove, "data.return_shipment.carrier"},
		{"data.return_shipment.tracking_number", "", "data.return_shipment.tracking_number"},
		{"data.return_shipment.tracking_number", "0529\n9912", "data.return_shipment.tracking_number"},
		{"data.return_shipment.carrier", "DPD\u0000", "data.return_shipment.carrier"},
	} {
		if _, err := commerce.Parse("msg_r", edit(t, raw, c.path, c.value)); fieldOf(err) != c.field {
			t.Errorf("%s = %q: error %v, want one naming %s", c.path, c.value, err, c.field)
		}
	}
}
