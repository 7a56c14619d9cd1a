package notify

import (
	"strings"
	"unicode/utf8"

	"github.com/shipflow/shipflow/order"
)

// excerptLimit bounds an excerpt: enough for any provider's error sentence, short of the page
// a proxy answers with during an outage.
const excerptLimit = 200

// Excerpt is the start of a provider's answer b, as a provider's error message quotes it into
// logs and the notification log: at most 200 bytes and "...", valid UTF-8, control and
// text-reordering characters (order.UnsafeRune) made spaces, "empty answer" for nothing.
func Excerpt(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
	if len(s) > excerptLimit {
		s = s[:excerptLimit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	if s == "" {
		return "empty answer"
	}
	return strings.Map(func(r rune) rune {
		if order.UnsafeRune(r) {
			return ' '
		}
		return r
	}, s)
}
