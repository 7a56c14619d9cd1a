package template

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/order"
)

var shop = brand.Brand{
	Name: "Ona's Shoes", LogoURL: "https://cdn.shop.example/logo.png", Primary: "#0f766e", Accent: "#fde047",
	SupportEmail: "help@shop.example", SupportPhone: "+370 600 12345",
}

const dpdLink = "https://tracking.dpd.de/status/en_US/parcel/05212345678901"

// withCarrierLink is fixture with the first parcel's carrier link, as notify.Service fills it
// from the carrier table.
func withCarrierLink(locale string) Data {
	d := fixture(locale, 1)
	d.Shipment.CarrierURL = dpdLink
	d.Shipments[0].CarrierURL = dpdLink
	return d
}

// The carrier's own link goes next to ours on every channel of every message about a parcel
// on its way, named by the carrier.
func TestCarrierLinkInEveryMessageAboutAParcel(t *testing.T) {
	s := defaultTemplates(t)
	want := map[string]string{"en": "Track with DPD", "lt": "Sekite siuntą DPD svetainėje"}
	wantHTML := map[string]string{"en": "Track with DPD", "lt": "Sekti siuntą DPD svetainėje"}
	for _, locale := range []string{"en", "lt"} {
		for _, m := range []order.Milestone{order.MilestoneShipped, order.MilestoneOutForDelivery, order.MilestoneAttemptFailed,
			order.MilestoneAvailableForPickup, order.MilestoneDelayed} {
			for _, ch := range []order.Channel{order.ChannelSMS, order.ChannelWhatsApp, order.ChannelEmail} {
				r, err := s.Render(ch, m, withCarrierLink(locale))
				if err != nil {
					t.Fatalf("%s %s %s: %v", locale, m, ch, err)
				}
				if !strings.Contains(r.Text, want[locale]+": "+dpdLink) || !strings.Contains(r.Text, "https://track.example.com/o/ord_1042") {
					t.Errorf("%s %s %s: text lacks our link or %q:\n%s", locale, m, ch, want[locale]+": "+dpdLink, r.Text)
				}
				if ch == order.ChannelEmail && !strings.Contains(r.HTML, `href="`+dpdLink+`"`) || !strings.Contains(r.HTML, wantHTML[locale]) && ch == order.ChannelEmail {
					t.Errorf("%s %s email HTML lacks the carrier's link", locale, m)
				}
			}
		}
	}
	// Without a link (a carrier the table does not know), nothing is said about one.
	r, err := s.Render(order.ChannelSMS, order.MilestoneShipped, fixture("en", 1))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text, "Track with") {
		t.Errorf("SMS without a carrier link: %s", r.Text)
	}
}

func TestEmailsWearTheBrand(t *testing.T) {
	s := defaultTemplates(t)
	for locale, words := range map[string][]string{
		"en": {"Questions? Email help@shop.example, call +370 600 12345.", "Thank you for shopping with Ona&#39;s Shoes."},
		"lt": {"Turite klausimų? Rašykite help@shop.example, skambinkite +370 600 12345.", "Ačiū, kad perkate parduotuvėje Ona&#39;s Shoes."},
	} {
		for _, m := range []order.Milestone{order.MilestoneConfirmed, order.MilestoneShipped, order.MilestoneDelivered, order.MilestoneReviewRequest} {
			d := withCarrierLink(locale)
			d.Brand = shop
			r, err := s.Render(order.ChannelEmail, m, d)
			if err != nil {
				t.Fatalf("%s %s: %v", locale, m, err)
			}
			for _, w := range []string{
				`<img src="https://cdn.shop.example/logo.png" alt="Ona&#39;s Shoes"`,
				"background-color:#0f766e", "color:#ffffff", // the header in the brand's colour, legible
				`<a href="mailto:help@shop.example"`, "&#43;370 600 12345", // html/template writes + as &#43;
			} {
				if !strings.Contains(r.HTML, w) {
					t.Errorf("%s %s: HTML lacks %q", locale, m, w)
				}
			}
			if !strings.Contains(r.Text, words[0]) {
				t.Errorf("%s %s: text lacks the support line %q:\n%s", locale, m, words[0], r.Text)
			}
			if m == order.MilestoneShipped {
				if !strings.Contains(r.HTML, "background-color:#fde047") || !strings.Contains(r.HTML, "color:#111827") {
					t.Errorf("%s: the button is not in the accent colour with legible text", locale)
				}
				if !strings.Contains(r.HTML, words[1]) {
					t.Errorf("%s: signoff lacks the store's name", locale)
				}
			}
		}
	}
	// Without a brand, the emails look as before: no header, no support line.
	r, err := s.Render(order.ChannelEmail, order.MilestoneShipped, fixture("en", 1))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "<img") || strings.Contains(r.Text, "Questions?") || !strings.Contains(r.HTML, "background-color:#2563eb") ||
		!strings.Contains(r.HTML, "Thank you for shopping with us.") {
		t.Errorf("unbranded email changed:\n%s", r.HTML)
	}
}
