package notify

import (
	"testing"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/order"
)

// What the templates are given about carriers and the brand: the carrier table's display name
// and link, or the carrier as given and no link; tracking links on the page's own address.
func TestDataNamesCarriersAndWearsTheBrand(t *testing.T) {
	b := brand.Brand{Name: "Ona's Shoes", SupportEmail: "help@shop.example", PageURL: "https://track.shop.example"}
	s := &Service{PublicURL: "https://api.shop.example", TrackingSecret: "k", TrackingPageURL: b.PageURL, Brand: b, Carriers: carrier.Builtin()}
	d := s.data(Request{
		OrderID: "1042", Milestone: order.MilestoneShipped, ShipmentID: "s1",
		Shipments: []Shipment{
			{ID: "s1", Carrier: "dhl-express", TrackingNumber: "1234567890", Status: order.ShipmentInTransit},
			{ID: "s2", Carrier: "Kurjeris Jonas", TrackingNumber: "J-1", Status: order.ShipmentInTransit},
		},
	})
	if d.Shipment.Carrier != "DHL Express" || d.Shipment.CarrierURL == "" || d.Shipments[0].CarrierURL != d.Shipment.CarrierURL {
		t.Errorf("known carrier: %q %q", d.Shipment.Carrier, d.Shipment.CarrierURL)
	}
	if d.Shipments[1].Carrier != "Kurjeris Jonas" || d.Shipments[1].CarrierURL != "" {
		t.Errorf("unknown carrier: %q %q, want the name as given and no link", d.Shipments[1].Carrier, d.Shipments[1].CarrierURL)
	}
	if d.Brand != b {
		t.Errorf("brand %+v", d.Brand)
	}
	if want := "https://track.shop.example/track/"; len(d.TrackingURL) <= len(want) || d.TrackingURL[:len(want)] != want {
		t.Errorf("tracking link %q is not on the page's own address", d.TrackingURL)
	}
}
