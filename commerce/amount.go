package commerce

import (
	"strings"

	"github.com/shipflow/shipflow/order"
)

// ParseAmount checks a money amount given as decimal text ("12.50"):
// shipflow passes amounts on to subscribers unchanged and never computes
// with them, so they stay text, but they must read as a non-negative
// decimal number.
func ParseAmount(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Missing(field)
	}
	whole, frac, dot := strings.Cut(s, ".")
	if !digits(whole) || (dot && !digits(frac)) || len(s) > 32 {
		return "", Invalid(field, "must be a decimal amount such as 12.50, got %s", order.Quote(s))
	}
	return s, nil
}

// ParseCurrency checks an ISO 4217 currency code, accepting lower case
// ("eur") since platforms differ; subscribers get it in upper case.
func ParseCurrency(field, s string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(s))
	if c == "" {
		return "", Missing(field)
	}
	if len(c) != 3 || strings.IndexFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return "", Invalid(field, "must be an ISO 4217 code such as EUR, got %s", order.Quote(s))
	}
	return c, nil
}
