package voice

import (
	"strings"

	"github.com/shipflow/shipflow/order"
)

// minNationalDigits is the shortest tail of the order's number a caller's
// national-format number must match: Lithuanian mobiles have 8 digits after
// the trunk prefix, as do most European numbers; fewer would let a short
// guess pass.
const minNationalDigits = 7

// samePhone reports whether the caller's number is the order's. Both are
// reduced to digits, so "+370 600 00000", "+370-600-00000" and
// "0037060000000" all match "+37060000000". A caller's number in national
// form ("8 600 00000", "0600 00000") matches when, without its trunk
// prefix, it is the end of the order's number and at least
// minNationalDigits long: voice platforms pass what the caller said or the
// network's caller ID, and either may lack the country code.
func samePhone(caller, onOrder string) bool {
	c, o := phoneDigits(caller), phoneDigits(onOrder)
	if c == "" || o == "" {
		return false
	}
	if c == o {
		return true
	}
	if strings.HasPrefix(strings.TrimSpace(caller), "+") || strings.HasPrefix(strings.TrimSpace(caller), "00") {
		return false // international form: the country code must match too
	}
	candidates := []string{c}
	if c[0] == '0' || c[0] == '8' { // a trunk prefix: 0 in most countries, 8 in Lithuania
		candidates = append(candidates, c[1:])
	}
	for _, n := range candidates {
		if len(n) >= minNationalDigits && len(n) < len(o) && strings.HasSuffix(o, n) {
			return true
		}
	}
	return false
}

// phoneDigits is the one rule of what a number's digits are (order.PhoneDigits).
func phoneDigits(p string) string { return order.PhoneDigits(p) }

// maskPhone keeps the last three digits of a number for the log.
func maskPhone(p string) string {
	d := phoneDigits(p)
	if len(d) <= 3 {
		return strings.Repeat("*", len(d))
	}
	return strings.Repeat("*", len(d)-3) + d[len(d)-3:]
}
