package notify_test

import (
	"slices"
	"testing"
	"time"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

func TestSendGridTemplateData(t *testing.T) {
	now := time.Date(2026, 5, 7, 9, 0, 0, 0, time.UTC)
	eta := time.Date(2026, 5, 8, 14, 0, 0, 0, time.UTC) // 17:00 in Vilnius
	sh := template.Shipment{ID: "S1", Carrier: "DHL Express", CarrierURL: "https://dhl.example/t/1", TrackingNumber: "1Z",
		Items: []string{"Boots"}, ETA: &eta}
	d := template.Data{FirstName: "Ona", OrderNumber: "1001", Milestone: order.MilestoneShipped, Locale: "lt", TimeZone: "Europe/Vilnius",
		Now: now, TrackingURL: "https://t.example/1", Shipment: sh, Shipments: []template.Shipment{sh, {ID: "S2", Items: []string{"Socks"}}},
		Brand: brand.Brand{Name: "Ona's Shoes"}}
	got := notify.SendGridTemplateData(d)
	want := map[string]any{"first_name": "Ona", "order_number": "1001", "milestone": "shipped", "carrier": "DHL Express",
		"carrier_url": "https://dhl.example/t/1", "tracking_number": "1Z", "tracking_url": "https://t.example/1",
		"eta": template.ETA(eta, now, "Europe/Vilnius", "lt"), "store_name": "Ona's Shoes"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if e, _ := got["eta"].(string); e == "" || e == template.ETA(eta, now, "UTC", "en") {
		t.Errorf("eta %q: want the customer's language and zone", e)
	}
	if items, _ := got["items"].([]string); !slices.Equal(items, []string{"Boots"}) {
		t.Errorf("items = %v", got["items"])
	}

	// An order-level milestone lists every parcel's items; no ETA is an empty string.
	d.Shipment = template.Shipment{}
	got = notify.SendGridTemplateData(d)
	if items, _ := got["items"].([]string); !slices.Equal(items, []string{"Boots", "Socks"}) || got["eta"] != "" {
		t.Errorf("order level: items %v, eta %q", got["items"], got["eta"])
	}
	if items, _ := notify.SendGridTemplateData(template.Data{})["items"].([]string); items == nil {
		t.Error("no items: want an empty list, not null")
	}
}
