package generic

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// parseTime reads the RFC 3339 time in field, in UTC. The generic format is
// shipflow's own, so no other form is accepted.
func parseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, required(field)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &order.FieldError{Field: field, Problem: "is not an RFC 3339 time: " + order.Quote(s)}
	}
	t = t.UTC()
	switch {
	case t.IsZero():
		return time.Time{}, required(field) // a zero value stands for none
	case t.Year() < 1 || t.Year() > 9999:
		return time.Time{}, &order.FieldError{Field: field, Problem: "is out of range: " + order.Quote(s)}
	}
	return t, nil
}

// eventID is the event's stable id: the same scan posted again, under a new
// webhook-id or not, hashes the same.
func eventID(trackingNumber string, at time.Time, status, description string) string {
	h := sha256.New()
	for _, s := range []string{inbox.SourceGeneric, order.TrackingKey(trackingNumber), at.UTC().Format(time.RFC3339Nano), status, description} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func required(field string) error { return &order.FieldError{Field: field, Problem: "is required"} }
