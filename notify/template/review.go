package template

import (
	"fmt"
	"net/url"
	"strings"
)

// ReviewPlaceholder is what SHIPFLOW_REVIEW_URL writes where the order id goes.
const ReviewPlaceholder = "{order_id}"

// maxReviewURL bounds the setting: the link goes into a text message, where every character
// is paid for.
const maxReviewURL = 512

// ReviewLink is the review request's link: pattern with every ReviewPlaceholder replaced by
// orderID, escaped so that an id such as "#1042" or "a/b&c=d" stays one value wherever the
// shop put the placeholder, in the path or in the query. Empty when pattern is empty: the
// shop collects no reviews and the message asks for none.
func ReviewLink(pattern, orderID string) string {
	if pattern == "" {
		return ""
	}
	return strings.ReplaceAll(pattern, ReviewPlaceholder, escapeAll(orderID))
}

// escapeAll percent-encodes every byte but RFC 3986's unreserved characters. Neither
// url.PathEscape (which keeps "&" and "=") nor url.QueryEscape (which writes a space as "+",
// a plus sign in a path) is right in both places.
func escapeAll(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// CheckReviewURL refuses a review link pattern that would not make an absolute http(s) link
// for every order, so a typo stops start-up rather than sending customers a broken link:
// printable ASCII, no placeholder but ReviewPlaceholder, and the order id never in the
// scheme or host, where it could choose the site the customer is sent to. Empty is valid.
func CheckReviewURL(pattern string) error {
	if pattern == "" {
		return nil
	}
	if len(pattern) > maxReviewURL {
		return fmt.Errorf("must be at most %d characters, got %d", maxReviewURL, len(pattern))
	}
	for i := range len(pattern) {
		if c := pattern[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("must be printable ASCII without spaces, found byte 0x%02x at %d", c, i)
		}
	}
	if rest := strings.ReplaceAll(pattern, ReviewPlaceholder, ""); strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("%q has a brace that is not %s, the only placeholder", pattern, ReviewPlaceholder)
	}
	a, errA := url.Parse(ReviewLink(pattern, "a"))
	b, errB := url.Parse(ReviewLink(pattern, "b"))
	switch {
	case errA != nil || errB != nil || (a.Scheme != "http" && a.Scheme != "https") || a.Host == "":
		return fmt.Errorf("%q is not an absolute http(s) URL", pattern)
	case a.Scheme != b.Scheme || a.Host != b.Host || a.User.String() != b.User.String():
		return fmt.Errorf("%q puts %s before the path; it may only be in the path or the query", pattern, ReviewPlaceholder)
	case a.User != nil:
		return fmt.Errorf("%q carries a user name or password, which every customer would see", pattern)
	}
	return nil
}
