package outbound

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/egress"
)

// FuzzRetryAfter: whatever a receiver puts in Retry-After, the wait is never negative, and
// NextDelay keeps the next attempt within the schedule's slot.
func FuzzRetryAfter(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	for _, s := range []string{"", "0", "7", "-5", "+5", " 120 ", "315360000", "99999999999999999999999", "1e9", "0x10",
		"Fri, 31 Dec 9999 23:59:59 GMT", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994", "soon", "\x00", "1\x00", strings.Repeat("9", 5000)} {
		f.Add(s, 1)
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, v string, attempt int) {
		d, _ := egress.RetryAfter(v, now)
		if d < 0 {
			t.Fatalf("egress.RetryAfter(%q) = %v", v, d)
		}
		attempt = 1 + abs(attempt)%len(schedule)
		wait, ok := NextDelay(attempt, d, func() float64 { return 0.999 })
		limit := schedule[min(attempt, len(schedule)-1)]
		if !ok || wait < schedule[attempt-1] || wait > max(schedule[attempt-1], limit)*12/10 {
			t.Fatalf("NextDelay(%d, %v) = %v, %v: outside the schedule's slot", attempt, d, wait, ok)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1) // no overflow at MinInt
	}
	return n
}

// FuzzText: whatever a body holds, what Result keeps is valid UTF-8, has no NUL, fits MaxBody,
// is db.SafeText's reading of it, and a clean body of under 4 KiB is kept as it is.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "ok", "{\"ok\":true}\x00", "\xff", strings.Repeat("a", MaxBody-1) + "é",
		strings.Repeat("\x00", MaxBody), strings.Repeat("€", MaxBody/3+1), "\u202Eevil"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = b[:min(len(b), MaxBody)] // what Attempt reads
		got := text(b)
		if !utf8.ValidString(got) || strings.ContainsRune(got, 0) || len(got) > MaxBody {
			t.Fatalf("text(%q) = %q", b, got)
		}
		if len(b) < MaxBody && got != db.SafeText(string(b), MaxBody) {
			t.Fatalf("text(%q) = %q, not SafeText's reading", b, got)
		}
		if len(b) < MaxBody && utf8.Valid(b) && !strings.ContainsFunc(string(b), func(r rune) bool {
			return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
		}) && got != string(b) {
			t.Fatalf("clean body %q kept as %q", b, got)
		}
	})
}

// FuzzFeedURL: whatever a feed's URL is, checking it never panics; a URL it accepts under a
// policy allowing nothing private is https on one of the kind's webhook hosts; and the URL as
// shown never holds more than the scheme, host and first path segment.
func FuzzFeedURL(f *testing.F) {
	for _, s := range []string{"https://hooks.slack.com/services/T0/B0/secret", "https://hooks.slack.com.evil.example/x",
		"https://prod-1.westeurope.logic.azure.com:443/workflows/a/triggers/manual/paths/invoke?sig=s",
		"https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t", "http://127.0.0.1:1/services/x", "https://HOOKS.SLACK.COM./s",
		"https://user:pw@hooks.slack.com/x", "https://[::1]/x", "https://hooks.slack.com%00.evil/x", "https://xn--hooks-slack-com/x", "::", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range []Kind{KindSlack, KindTeams, KindGoogleChat} {
			if CheckFeedURL(k, s, egress.Policy{}) != nil {
				continue
			}
			u, err := url.Parse(s)
			if err != nil || u.Scheme != "https" || u.User != nil {
				t.Fatalf("%s: %q accepted", k, s)
			}
			host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
			ok := false
			for _, h := range feedHosts[k] {
				ok = ok || host == h || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h))
			}
			if !ok {
				t.Fatalf("%s: host %q of %q accepted", k, host, s)
			}
		}
		shown := MaskURL(s)
		if strings.Count(shown, "/") > 4 || (shown != "****" && !strings.HasSuffix(shown, "/****")) {
			t.Fatalf("MaskURL(%q) = %q", s, shown)
		}
	})
}
