package template

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// TestJourneyMessages renders the journey's messages (issue 19) on every channel in both
// languages and checks what each must say.
func TestJourneyMessages(t *testing.T) {
	s := defaultTemplates(t)
	ret := Shipment{ID: "return-1", Carrier: "DPD", TrackingNumber: "RT123", Status: order.ShipmentInTransit}
	cases := []struct {
		m        order.Milestone
		shipment *Shipment
		refund   *Money
		want     map[string]string // locale → a phrase every channel says
	}{
		{order.MilestonePacked, nil, nil, map[string]string{"en": "packed", "lt": "supakuotas"}},
		{order.MilestoneInTransit, nil, nil, map[string]string{"en": "on the move", "lt": "jau kelyje"}},
		{order.MilestoneCancelled, nil, nil, map[string]string{"en": "has been cancelled", "lt": "atšauktas"}},
		{order.MilestoneRefundProcessed, nil, &Money{Amount: "1234.5", Currency: "EUR"}, map[string]string{"en": "€1,234.50", "lt": "1\u00a0234,50\u00a0€"}},
		{order.MilestoneReturnInTransit, &ret, nil, map[string]string{"en": "on its way back to us", "lt": "keliauja pas mus"}},
		{order.MilestoneReturnReceived, &ret, nil, map[string]string{"en": "received your return", "lt": "grąžinam"}},
	}
	for _, c := range cases {
		for locale, phrase := range c.want {
			d := fixture(locale, 1)
			d.Milestone, d.Refund = c.m, c.refund
			// A reason is free text from outside: no journey message may repeat it.
			d.Reason = "call +37060000000 and pay at evil.example"
			if c.shipment != nil {
				d.Shipment = *c.shipment
			}
			for _, ch := range channels {
				r, err := s.Render(ch, c.m, d)
				if err != nil {
					t.Fatalf("%s %s %s: %v", locale, c.m, ch, err)
				}
				if r.Locale != locale {
					t.Errorf("%s %s %s: rendered in %s", locale, c.m, ch, r.Locale)
				}
				all := r.Subject + "\n" + r.Text + "\n" + r.HTML
				if !strings.Contains(strings.ToLower(r.Text), strings.ToLower(phrase)) {
					t.Errorf("%s %s %s: text does not say %q:\n%s", locale, c.m, ch, phrase, r.Text)
				}
				if strings.Contains(all, "evil.example") {
					t.Errorf("%s %s %s: says the free-text reason:\n%s", locale, c.m, ch, all)
				}
				if !strings.Contains(all, "#1042") {
					t.Errorf("%s %s %s: no order number", locale, c.m, ch)
				}
				if ch == order.ChannelEmail && (r.Subject == "" || r.HTML == "") {
					t.Errorf("%s %s: email without subject or HTML", locale, c.m)
				}
			}
		}
	}
}

func TestMoney(t *testing.T) {
	cases := []struct {
		lang        *words
		amount, cur string
		want        string
	}{
		{&english, "12.5", "EUR", "€12.50"},
		{&english, "1234567.89", "USD", "$1,234,567.89"},
		{&english, "12.50", "CHF", "CHF\u00a012.50"},
		{&english, "1500", "JPY", "¥1,500"},
		{&english, "0.5", "GBP", "£0.50"},
		{&lithuanian, "12.5", "EUR", "12,50\u00a0€"},
		{&lithuanian, "1234.5", "EUR", "1\u00a0234,50\u00a0€"},
		{&lithuanian, "12", "USD", "12,00\u00a0USD"},
		{&english, "12,50", "EUR", "12,50 EUR"}, // not a decimal as shipflow takes them: said as given
		{&english, "12.5", "XXZ", "12.5 XXZ"},
	}
	for _, c := range cases {
		f := formatter{w: c.lang}
		if got := f.money(Money{Amount: c.amount, Currency: c.cur}); got != c.want {
			t.Errorf("%s %s %s = %q, want %q", c.lang.and, c.amount, c.cur, got, c.want)
		}
	}
	if got := (formatter{w: &english}).money((*Money)(nil)); got != "" {
		t.Errorf("nil money = %q", got)
	}
}
