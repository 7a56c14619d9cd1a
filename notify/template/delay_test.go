package template

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// TestDelayReasonSentences: a driver's delay is told as its reason's fixed sentence, in the
// customer's language, on every channel, and every reason has one in every language.
func TestDelayReasonSentences(t *testing.T) {
	s := defaultTemplates(t)
	for lang, w := range languages {
		for _, r := range order.DelayReasons {
			if w.delayReasons[r] == "" {
				t.Errorf("%s has no sentence for %s", lang, r)
			}
		}
	}
	for _, tt := range []struct{ locale, want string }{
		{"en", "The parcel is being checked by customs."},
		{"lt-LT", "Siuntą tikrina muitinė."},
		{"de", "The parcel is being checked by customs."},
	} {
		d := fixture(tt.locale, 1)
		d.Reason, d.DelayReason = "", order.DelayCustoms
		for _, ch := range channels {
			r, err := s.Render(ch, order.MilestoneDelayed, d)
			if err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{"text": r.Text, "html": r.HTML} {
				if (ch == order.ChannelEmail || name == "text") && !strings.Contains(text, tt.want) {
					t.Errorf("%s %s %s lacks %q: %s", tt.locale, ch, name, tt.want, text)
				}
			}
			if ch == order.ChannelSMS && tt.locale == "en" {
				if n, ok := gsm7Len(r.Text); !ok || n > 2*153 {
					t.Errorf("en delayed SMS is %d GSM-7 characters, more than two parts: %q", n, r.Text)
				}
			}
		}
	}
	// A code the words do not know (a newer release's) is said as "other"; none says nothing.
	d := fixture("en", 1)
	d.Reason, d.DelayReason = "", "volcano"
	if r, _ := s.Render(order.ChannelSMS, order.MilestoneDelayed, d); !strings.Contains(r.Text, "The driver has reported a delay.") {
		t.Errorf("unknown code: %s", r.Text)
	}
	d.DelayReason = ""
	if r, _ := s.Render(order.ChannelSMS, order.MilestoneDelayed, d); strings.Contains(r.Text, "driver") {
		t.Errorf("no code: %s", r.Text)
	}
}
