package template_test

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

// TestExceptionNotice: every reason has words of its own in each language, a locale picks its
// language through the usual fallback (lt-LT, lt, then English), and a reason without words
// gets the general notice rather than nothing.
func TestExceptionNotice(t *testing.T) {
	reasons := []order.ExceptionReason{
		order.ReasonCarrierException, order.ReasonReturnedToSender, order.ReasonFailedAttempts,
		order.ReasonStale, order.ReasonLate, order.ReasonDriverDelay,
	}
	for _, locale := range []string{"en", "lt"} {
		seen := map[string]bool{}
		for _, r := range reasons {
			h, text := template.ExceptionNotice(locale, r)
			if h == "" || text == "" || seen[h] {
				t.Errorf("%s %s: %q / %q, want a heading of its own and a text", locale, r, h, text)
			}
			seen[h] = true
		}
	}
	for _, tc := range []struct {
		locale  string
		reason  order.ExceptionReason
		heading string
		text    string // a piece of it
	}{
		{"en", order.ReasonLate, "Your parcel is running late", "promised date"},
		{"en-GB", order.ReasonLate, "Your parcel is running late", "promised date"},
		{"lt", order.ReasonLate, "Jūsų siunta vėluoja", "pažadėtos dienos"},
		{"lt-LT", order.ReasonLate, "Jūsų siunta vėluoja", "pažadėtos dienos"},
		{"lt_LT.UTF-8", order.ReasonReturnedToSender, "Jūsų siunta grąžinama mums", "grąžina"},
		{"de-DE", order.ReasonStale, "Tracking updates have paused", "hasn't updated"},
		{"", order.ReasonDriverDelay, "Your delivery is delayed", "reported a delay"},
		{"en", order.ExceptionReason("lost_in_space"), "There's a problem with your delivery", "looking into it"},
		{"lt", order.ExceptionReason(""), "Iškilo pristatymo problema", "rūpinasi"},
	} {
		h, text := template.ExceptionNotice(tc.locale, tc.reason)
		if h != tc.heading || !strings.Contains(text, tc.text) {
			t.Errorf("ExceptionNotice(%q, %q) = %q, %q; want %q and a text with %q", tc.locale, tc.reason, h, text, tc.heading, tc.text)
		}
	}
}
