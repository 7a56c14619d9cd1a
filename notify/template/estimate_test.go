package template

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// estimated is fixture with the milestone's parcel on shipflow's estimate, a date-only day:
// Tuesday, May 12.
func estimated(locale string, n int) Data {
	d := fixture(locale, n)
	tue := at("2026-05-12T00:00:00Z")
	d.Shipment.ETA, d.Shipment.Estimated = &tue, true
	if n > 0 {
		d.Shipments[0] = d.Shipment
	}
	return d
}

// TestEstimateWordedAsEstimate: every message that states the ETA says shipflow's estimate
// as one, in both languages, and a carrier's date keeps its words.
func TestEstimateWordedAsEstimate(t *testing.T) {
	s := defaultTemplates(t)
	for _, c := range []struct {
		m      order.Milestone
		ch     order.Channel
		locale string
		want   string
	}{
		{order.MilestoneShipped, order.ChannelSMS, "en", "has shipped with DPD and we estimate it arrives on Tuesday, May 12."},
		{order.MilestoneShipped, order.ChannelWhatsApp, "en", "We estimate delivery *on Tuesday, May 12*; the carrier has not given a date yet."},
		{order.MilestoneShipped, order.ChannelEmail, "en", "We estimate delivery on Tuesday, May 12; the carrier has not given a date yet."},
		{order.MilestoneInTransit, order.ChannelSMS, "en", "is on the move and we estimate it arrives on Tuesday, May 12."},
		{order.MilestoneInTransit, order.ChannelEmail, "en", "We estimate delivery on Tuesday, May 12; the carrier has not given a date yet."},
		{order.MilestoneShipped, order.ChannelSMS, "lt", "perduotas kurjeriui DPD ir, mūsų skaičiavimu, atkeliaus gegužės 12 d., antradienį."},
		{order.MilestoneShipped, order.ChannelWhatsApp, "lt", "Mūsų skaičiavimu, siunta atkeliaus *gegužės 12 d., antradienį*; vežėjas datos dar nenurodė."},
		{order.MilestoneShipped, order.ChannelEmail, "lt", "Mūsų skaičiavimu, siunta atkeliaus gegužės 12 d., antradienį; vežėjas datos dar nenurodė."},
		{order.MilestoneInTransit, order.ChannelSMS, "lt", "Mūsų skaičiavimu, siunta atkeliaus gegužės 12 d., antradienį; vežėjas datos dar nenurodė."},
		// Out for delivery is the carrier's word for today, truer than an estimate made days ago.
		{order.MilestoneOutForDelivery, order.ChannelSMS, "en", "is out for delivery and arrives today."},
		{order.MilestoneOutForDelivery, order.ChannelSMS, "lt", "atkeliaus šiandien."},
	} {
		r, err := s.Render(c.ch, c.m, estimated(c.locale, 1))
		if err != nil {
			t.Fatalf("%s %s %s: %v", c.locale, c.m, c.ch, err)
		}
		if !strings.Contains(r.Text, c.want) {
			t.Errorf("%s %s %s: text lacks %q:\n%s", c.locale, c.m, c.ch, c.want, r.Text)
		}
		if c.ch == order.ChannelEmail && !strings.Contains(r.HTML, "<strong>") {
			t.Errorf("%s %s email HTML: %s", c.locale, c.m, r.HTML)
		}
	}

	// A carrier's date keeps today's words.
	for _, m := range []order.Milestone{order.MilestoneShipped, order.MilestoneInTransit} {
		for _, ch := range channels {
			for _, locale := range []string{"en", "lt"} {
				r, err := s.Render(ch, m, fixture(locale, 1))
				if err != nil {
					t.Fatal(err)
				}
				all := r.Text + r.HTML
				for _, bad := range []string{"estimate delivery", "we estimate", "skaičiavimu", "(estimated)", "(numatoma)"} {
					if strings.Contains(strings.ToLower(all), bad) {
						t.Errorf("%s %s %s: a carrier's date worded as our estimate (%q):\n%s", locale, m, ch, bad, r.Text)
					}
				}
			}
		}
	}
}

func TestEstimateInSplitSummaryAndTable(t *testing.T) {
	s := defaultTemplates(t)
	d := fixture("en", 2)
	d.Shipments[1].Estimated = true
	r, err := s.Render(order.ChannelEmail, order.MilestoneShipped, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Your Shoes arrive tomorrow, the Jacket on Friday (estimated)."; !strings.Contains(r.Text, want) {
		t.Errorf("summary lacks %q:\n%s", want, r.Text)
	}
	if !strings.Contains(r.Text, "- Jacket (Omniva): arrives on Friday, May 8 (estimated)") {
		t.Errorf("text list:\n%s", r.Text)
	}
	if !strings.Contains(r.HTML, "on Friday, May 8 (estimated)</td>") {
		t.Errorf("HTML table:\n%s", r.HTML)
	}
	d = fixture("lt", 2)
	d.Shipments[1].Estimated = true
	if r, err = s.Render(order.ChannelSMS, order.MilestoneShipped, d); err != nil {
		t.Fatal(err)
	}
	if want := "o Jacket – penktadienį (numatoma)."; !strings.Contains(r.Text, want) {
		t.Errorf("lt summary lacks %q:\n%s", want, r.Text)
	}
}

// TestDeliveredSaysWhereLeft: the delivered message says the place's fixed sentence on every
// channel, and nothing for a place without one.
func TestDeliveredSaysWhereLeft(t *testing.T) {
	s := defaultTemplates(t)
	for locale, want := range map[string]string{"en": "It was left at your front door.", "lt": "Siunta palikta prie jūsų durų."} {
		for _, n := range []int{1, 2} {
			d := fixture(locale, n)
			d.Shipment.Status, d.Shipment.Place = order.ShipmentDelivered, order.PlaceFrontDoor
			for _, ch := range channels {
				r, err := s.Render(ch, order.MilestoneDelivered, d)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(r.Text, want) {
					t.Errorf("%s %s (%d parcels): text lacks %q:\n%s", locale, ch, n, want, r.Text)
				}
				if ch == order.ChannelEmail && !strings.Contains(r.HTML, want) {
					t.Errorf("%s email HTML lacks %q", locale, want)
				}
			}
		}
	}
	for _, p := range []order.DeliveryPlace{"", order.PlaceOther, "<b>behind the bins</b>"} {
		d := fixture("en", 1)
		d.Shipment.Status, d.Shipment.Place = order.ShipmentDelivered, p
		r, err := s.Render(order.ChannelSMS, order.MilestoneDelivered, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Text, "left") || strings.Contains(r.Text, "bins") || strings.Contains(r.Text, "  ") {
			t.Errorf("place %q: %q", p, r.Text)
		}
	}
	for _, p := range order.DeliveryPlaces {
		if p == order.PlaceOther {
			continue
		}
		for _, w := range []*words{&english, &lithuanian} {
			if w.leftAt[p] == "" {
				t.Errorf("place %s has no sentence", p)
			}
		}
	}
}
