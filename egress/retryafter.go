package egress

import (
	"net/http"
	"strings"
	"time"
)

// MaxRetryAfter caps the wait a Retry-After may ask for. A service that says "come back in
// a year", by mistake or on purpose, must not park a delivery, a poll or an alert for longer
// than a day; the callers' own schedules cap it lower still.
const MaxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header value (RFC 9110 section 10.2.3) into a wait from now,
// the time the answer arrived. Subscribers' endpoints, carriers' APIs and staff chats all
// answer a 429 or 503 with it, and each caller used to read it its own way (one read only
// seconds, one saturated at 292 years); this is the one reading, the strictest of them:
//
//   - delay-seconds is one or more ASCII digits and nothing else: no sign, no fraction, no
//     unit ("+5", "-1", "1.5", "5s" are garbage);
//   - an HTTP-date is any of the three forms net/http accepts (http.ParseTime), and a date
//     already past is a wait of 0: the service asks to be retried now;
//   - the wait is at most MaxRetryAfter, however large the number or late the date.
//
// Surrounding whitespace is ignored. ok is false for an empty or garbled value, which asks
// for nothing: the caller keeps its own schedule.
func RetryAfter(v string, now time.Time) (wait time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if digits(v) {
		const maxSecs = int64(MaxRetryAfter / time.Second)
		var secs int64
		for i := 0; i < len(v) && secs <= maxSecs; i++ { // stops before a long number overflows
			secs = secs*10 + int64(v[i]-'0')
		}
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

// digits reports whether s is RFC 9110's delay-seconds: one or more ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
