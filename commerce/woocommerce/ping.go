package woocommerce

import (
	"mime"
	"net/url"
	"strings"
)

// maxPing bounds what is taken for a ping; a real one is "webhook_id=" and
// a few digits.
const maxPing = 64

// IsPing reports whether a request is the ping WooCommerce sends when a
// webhook is created or its URL changes: an unsigned, form-encoded body
// "webhook_id=N". It must be answered 200, or WooCommerce will not save the
// webhook; since it is unsigned, it is recognised by its exact shape and
// carries nothing that is acted on.
func IsPing(contentType string, body []byte) bool {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return false
		}
	}
	if len(body) > maxPing {
		return false
	}
	q, err := url.ParseQuery(strings.TrimSpace(string(body)))
	if err != nil || len(q) != 1 {
		return false
	}
	ids := q["webhook_id"]
	return len(ids) == 1 && number(ids[0])
}

// number reports whether s is a non-empty run of ASCII digits.
func number(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}
