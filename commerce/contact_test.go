package commerce_test

import (
	"slices"
	"testing"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/order"
)

func TestPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+37060000000", "+37060000000"},
		{" +370 600 00000 ", "+37060000000"},
		{"+1 (312) 345-6789", "+13123456789"},
		{"+44 20.7946.0958", "+442079460958"},
		{"0037060000000", "+37060000000"},
		{"+370\u00a0600\u00a000000", "+37060000000"},
		{"860000000", ""},         // national form: the country is unknown
		{"(312) 345-6789", ""},    // ditto
		{"08171263283", ""},       // ditto
		{"+0123456789", ""},       // no country code starts with 0
		{"+1234567", ""},          // too short
		{"+1234567890123456", ""}, // too long
		{"+370600000x0", ""},      // letters
		{"555-555-SHIP", ""},      // Shopify's sample
		{"", ""},
		{"+", ""},
	} {
		if got := commerce.Phone(tc.in); got != tc.want {
			t.Errorf("Phone(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Whatever Phone returns must pass the order package's check.
		if got := commerce.Phone(tc.in); got != "" {
			e := order.CommerceEvent{ID: "x", Type: order.EventCreated, Timestamp: at("2026-05-07T10:30:00Z"), OrderID: "o", Customer: &order.Customer{Phone: got}}
			if err := e.Validate(); err != nil {
				t.Errorf("Phone(%q) = %q does not validate: %v", tc.in, got, err)
			}
		}
	}
}

func TestEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ona@example.com", "ona@example.com"},
		{"  ona@example.com ", "ona@example.com"},
		{"Ona Petraitė <ona@example.com>", "ona@example.com"},
		{"ona at example.com", ""},
		{"", ""},
		{"a@b@c", ""},
	} {
		got := commerce.Email(tc.in)
		if got != tc.want {
			t.Errorf("Email(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got != "" {
			e := order.CommerceEvent{ID: "x", Type: order.EventCreated, Timestamp: at("2026-05-07T10:30:00Z"), OrderID: "o", Customer: &order.Customer{Email: got}}
			if err := e.Validate(); err != nil {
				t.Errorf("Email(%q) = %q does not validate: %v", tc.in, got, err)
			}
		}
	}
}

func TestChannels(t *testing.T) {
	for _, tc := range []struct {
		c    order.Customer
		want []order.Channel
	}{
		{order.Customer{Email: "a@example.com", Phone: "+37060000000"}, []order.Channel{order.ChannelEmail, order.ChannelSMS}},
		{order.Customer{Email: "a@example.com"}, []order.Channel{order.ChannelEmail}},
		{order.Customer{Phone: "+37060000000"}, []order.Channel{order.ChannelSMS}},
		{order.Customer{Name: "Ona"}, nil},
	} {
		if got := commerce.Channels(tc.c); !slices.Equal(got, tc.want) {
			t.Errorf("Channels(%+v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}

func TestName(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{[]string{"Ona", "Petraitė"}, "Ona Petraitė"},
		{[]string{" Ona ", ""}, "Ona"},
		{[]string{"", "Petraitė"}, "Petraitė"},
		{[]string{"", " "}, ""},
	} {
		if got := commerce.Name(tc.parts...); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.parts, got, tc.want)
		}
	}
}

func TestPhoneIn(t *testing.T) {
	for _, c := range []struct{ in, country, want string }{
		{"+370 600 00000", "", "+37060000000"},
		{"0612345678", "NL", "+31612345678"},
		{"(312) 345-6789", "US", "+13123456789"},
		{"8 600 00000", "LT", "+37060000000"},
		{"0612345678", "", ""},
		{"12", "NL", ""},
		{"not a phone", "DE", ""},
		{"0612345678", "ZZ", ""},
	} {
		if got := commerce.PhoneIn(c.in, c.country); got != c.want {
			t.Errorf("PhoneIn(%q, %q) = %q, want %q", c.in, c.country, got, c.want)
		}
	}
}
