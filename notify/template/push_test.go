package template

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shipflow/shipflow/order"
)

// Push limits: what a locked phone shows without cutting. iOS shows about 178 characters of a
// notification's body and one line of its title; Android's collapsed view less of both. The
// whole message must be readable there, as nothing else of it is seen before the tap.
const (
	maxPushTitle = 65
	maxPushBody  = 178
)

// tracked are the milestones about a parcel on its way: their push invites a tap to the
// tracking page, which the notification opens.
var tracked = []order.Milestone{
	order.MilestonePacked, order.MilestoneShipped, order.MilestoneInTransit, order.MilestoneOutForDelivery,
	order.MilestoneAvailableForPickup, order.MilestoneAttemptFailed, order.MilestoneDelayed,
}

func TestPushIsShort(t *testing.T) {
	s := defaultTemplates(t)
	for _, locale := range []string{"en", "lt"} {
		for _, n := range []int{1, 3} {
			for _, m := range milestones {
				d := fixture(locale, n)
				d.DelayReason = order.DelayCustoms
				d.Refund = &Money{Amount: "1234.50", Currency: "EUR"}
				r, err := s.Render(order.ChannelPush, m, d)
				if err != nil {
					t.Fatal(err)
				}
				if c := utf8.RuneCountInString(r.Subject); c > maxPushTitle {
					t.Errorf("%s %s (%d parcels): title is %d characters, want at most %d: %q", locale, m, n, c, maxPushTitle, r.Subject)
				}
				if c := utf8.RuneCountInString(r.Text); c > maxPushBody {
					t.Errorf("%s %s (%d parcels): body is %d characters, want at most %d: %q", locale, m, n, c, maxPushBody, r.Text)
				}
			}
		}
	}
}

func TestPushSaysWhatHappenedAndOpensTheLink(t *testing.T) {
	s := defaultTemplates(t)
	tap := map[string]string{"en": "Tap", "lt": "Bakstelėkite"}
	for _, locale := range []string{"en", "lt"} {
		for _, m := range milestones {
			d := fixture(locale, 1)
			r, err := s.Render(order.ChannelPush, m, d)
			if err != nil {
				t.Fatal(err)
			}
			// The link is the notification's to open; written out it would only take room.
			if strings.Contains(r.Text+r.Subject, "http") {
				t.Errorf("%s %s: a link in the text: %q / %q", locale, m, r.Subject, r.Text)
			}
			isTracked := false
			for _, tm := range tracked {
				isTracked = isTracked || tm == m
			}
			if isTracked && !strings.Contains(r.Text, tap[locale]) {
				t.Errorf("%s %s: the body does not say the tap opens tracking: %q", locale, m, r.Text)
			}
			d.TrackingURL = ""
			if r, _ := s.Render(order.ChannelPush, m, d); isTracked && strings.Contains(r.Text, tap[locale]) {
				t.Errorf("%s %s: a tap to track without a tracking page: %q", locale, m, r.Text)
			}
		}
		r, _ := s.Render(order.ChannelPush, order.MilestoneShipped, fixture(locale, 1))
		if !strings.Contains(r.Subject, "#1042") || !strings.Contains(r.Text, "DPD") {
			t.Errorf("%s shipped: title %q, body %q: want the order number and the carrier", locale, r.Subject, r.Text)
		}
	}
}
