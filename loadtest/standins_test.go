package loadtest

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

// TestSMSMilestoneRecognisesEveryTemplate guards the phrase table against a reworded English
// template: the stand-in would count its messages as "unknown" and the run would fail on
// messages no order owed.
func TestSMSMilestoneRecognisesEveryTemplate(t *testing.T) {
	set, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	eta := time.Now().Add(48 * time.Hour)
	ship := template.Shipment{ID: "S1", Carrier: "sim", TrackingNumber: "SIM-smooth-1", Items: []string{"Thing"}, ETA: &eta, City: "Vilnius"}
	for _, p := range smsPhrases {
		m := order.Milestone(p.milestone)
		for _, shipments := range [][]template.Shipment{{ship}, {ship, ship}} { // single and split orders
			r, err := set.Render(order.ChannelSMS, m, template.Data{
				OrderID: "lt-1", FirstName: "Ona", Locale: "en", TimeZone: "Europe/Vilnius", Milestone: m,
				Shipment: ship, Shipments: shipments, TrackingURL: "https://example.com/t/x", Reason: "weather",
			})
			if err != nil {
				t.Fatalf("render %s: %v", m, err)
			}
			if got := smsMilestone(r.Text); got != p.milestone {
				t.Errorf("SMS %q is recognised as %s, want %s", r.Text, got, p.milestone)
			}
		}
	}
}
