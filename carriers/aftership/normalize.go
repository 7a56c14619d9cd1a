package aftership

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// timeLayouts are the forms AfterShip writes times in. checkpoint_time is
// the carrier's local time, with an offset when the carrier gives one and
// without a zone when it does not; a zoneless time is taken as UTC, the
// only reading that does not invent a zone. Estimates may be bare dates,
// taken as the start of that day in UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads the time in field, in UTC.
func parseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, required(field)
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.UTC()
		if t.IsZero() {
			return time.Time{}, required(field) // a zero value stands for none
		}
		if t.Year() < 1 || t.Year() > 9999 {
			break // cannot be stored as RFC 3339
		}
		return t, nil
	}
	return time.Time{}, &order.FieldError{Field: field, Problem: "is not a valid time: " + quote(s)}
}

// eventID is a checkpoint's stable id: the same scan hashes the same
// whether it comes in a retry, again in the next webhook, or from a poll.
func eventID(trackingNumber string, at time.Time, rawStatus, description string) string {
	h := sha256.New()
	for _, s := range []string{inbox.SourceAfterShip, order.TrackingKey(trackingNumber), at.UTC().Format(time.RFC3339Nano), rawStatus, description} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func required(field string) error { return &order.FieldError{Field: field, Problem: "is required"} }

// within puts a field error's path under prefix, so that an error found in
// the tracking object names its place in the webhook body.
func within(prefix string, err error) error {
	var fe *order.FieldError
	if errors.As(err, &fe) {
		return &order.FieldError{Field: prefix + "." + fe.Field, Problem: fe.Problem}
	}
	return err
}

// quote quotes s for an error message, cut short so a hostile body cannot
// make the answer large.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
