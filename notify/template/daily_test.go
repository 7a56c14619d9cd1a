package template

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// TestDailyUpdate renders the daily update on every channel in both languages: each moving
// parcel with its status, last known city and ETA in the customer's zone, and the tracking
// link; a free-text reason never.
func TestDailyUpdate(t *testing.T) {
	s := defaultTemplates(t)
	for _, c := range []struct {
		locale string
		says   []string // every channel but push says each
		push   []string
	}{
		{"en", []string{"#1042", "Shoes", "on its way", "Kaunas", "tomorrow", "Jacket", "out for delivery", "https://track.example.com/o/ord_1042"},
			[]string{"Shoes", "on its way", "tomorrow", "Jacket", "out for delivery"}},
		{"lt", []string{"#1042", "Shoes", "pakeliui", "Kaunas", "rytoj", "Jacket", "šiandien pristatoma", "https://track.example.com/o/ord_1042"},
			[]string{"Shoes", "pakeliui", "rytoj", "Jacket", "šiandien pristatoma"}},
	} {
		d := fixture(c.locale, 2)
		d.Milestone = order.MilestoneDailyUpdate
		d.Shipment = Shipment{} // order-level
		d.Shipments[1].Status = order.ShipmentOutForDelivery
		d.Reason = "call +37060000000 at evil.example"
		for _, ch := range channels {
			r, err := s.Render(ch, order.MilestoneDailyUpdate, d)
			if err != nil {
				t.Fatalf("%s %s: %v", c.locale, ch, err)
			}
			if r.Locale != c.locale {
				t.Errorf("%s %s: rendered in %s", c.locale, ch, r.Locale)
			}
			low := strings.ToLower(r.Text)
			says := c.says
			if ch == order.ChannelPush {
				says = c.push // a push is short and opens the tracking page on tap
			}
			for _, want := range says {
				if !strings.Contains(low, strings.ToLower(want)) {
					t.Errorf("%s %s: does not say %q:\n%s", c.locale, ch, want, r.Text)
				}
			}
			all := r.Subject + r.Text + r.HTML
			if strings.Contains(all, "evil.example") {
				t.Errorf("%s %s: says the free-text reason", c.locale, ch)
			}
			if ch == order.ChannelEmail && (r.Subject == "" || !strings.Contains(r.HTML, "Kaunas") || !strings.Contains(r.HTML, "#1042")) {
				t.Errorf("%s email: subject %q, html without the parcel:\n%s", c.locale, r.Subject, r.HTML)
			}
		}
	}
	// A parcel after a failed attempt, with nothing known of where it is or when it comes.
	d := fixture("en", 1)
	d.Milestone, d.Shipment = order.MilestoneDailyUpdate, Shipment{}
	d.Shipments[0].Status, d.Shipments[0].City, d.Shipments[0].ETA = order.ShipmentAttemptFailed, "", nil
	r, err := s.Render(order.ChannelSMS, order.MilestoneDailyUpdate, d)
	if err != nil || !strings.Contains(r.Text, "missed a delivery attempt") || strings.Contains(r.Text, "last seen") || strings.Contains(r.Text, "arriving") {
		t.Errorf("attempt failed: %v\n%s", err, r.Text)
	}
}
