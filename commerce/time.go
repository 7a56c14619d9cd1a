package commerce

import (
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// zoneless are the layouts of times sent without a zone, such as
// WooCommerce's *_gmt fields ("2017-03-22T16:28:08"), which are UTC.
var zoneless = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// ParseTime reads a required RFC 3339 time (shipflow's commerce events, docs/reference/inbound.md, and Shopify) as UTC, so
// stored times compare and serialise alike whatever offset the sender used.
func ParseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Missing(field)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.IsZero() {
		return time.Time{}, Invalid(field, "must be an RFC 3339 time such as 2026-05-07T10:30:00Z, got %s", order.Quote(s))
	}
	return t.UTC(), nil
}

// ParseOptionalTime is ParseTime for a time that may be absent (an
// estimated delivery), which is nil rather than an error.
func ParseOptionalTime(field, s string) (*time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	t, err := ParseTime(field, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ParseGMT reads a required time that is UTC whether or not it says so:
// WooCommerce's *_gmt fields carry no zone. An explicit RFC 3339 offset is
// honoured.
func ParseGMT(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Missing(field)
	}
	for _, layout := range zoneless {
		if t, err := time.Parse(layout, s); err == nil && !t.IsZero() {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && !t.IsZero() {
		return t.UTC(), nil
	}
	return time.Time{}, Invalid(field, "must be a UTC time such as 2026-05-07T10:30:00, got %s", order.Quote(s))
}
