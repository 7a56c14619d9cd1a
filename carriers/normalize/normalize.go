// Package normalize holds what every carrier normaliser needs to turn a provider's scan into an
// order.TrackingEvent the same way: the time forms providers write, the stable id that lets a
// scan seen again (a retry, the next webhook, a poll) be applied once, and field errors that
// name the scan's place in the provider's body.
package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// timeLayouts are the forms providers write times in: RFC 3339 mostly, the scan's local time
// without a zone sometimes (AfterShip's checkpoint_time, ShipEngine's dates), a bare date for
// estimates. A zoneless time is taken as UTC, the only reading that does not invent a zone,
// and a bare date as the start of that day in UTC.
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

// ParseTime reads the time in field, in UTC; empty or zero is a missing field.
func ParseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Required(field)
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.UTC()
		if t.IsZero() {
			return time.Time{}, Required(field) // a zero value stands for none
		}
		if t.Year() < 1 || t.Year() > 9999 {
			break // cannot be stored as RFC 3339
		}
		return t, nil
	}
	return time.Time{}, &order.FieldError{Field: field, Problem: "is not a valid time: " + order.Quote(s)}
}

// EventID is a scan's stable id from its provider (source), tracking number, time, raw status
// and description: the same scan hashes the same wherever it is seen again.
func EventID(source, trackingNumber string, at time.Time, rawStatus, description string) string {
	h := sha256.New()
	for _, s := range []string{source, order.TrackingKey(trackingNumber), at.UTC().Format(time.RFC3339Nano), rawStatus, description} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Required is the error of a missing field.
func Required(field string) error { return &order.FieldError{Field: field, Problem: "is required"} }

// Within puts a field error's path under prefix, so an error found inside a nested object
// names its place in the whole body.
func Within(prefix string, err error) error {
	var fe *order.FieldError
	if errors.As(err, &fe) {
		return &order.FieldError{Field: prefix + "." + fe.Field, Problem: fe.Problem}
	}
	return err
}

// Finish is every normaliser's last step over its events, oldest first: each gets its stable
// id (EventID under source), a scan a provider lists twice is kept once, and the provider's
// delivery estimate goes on the newest event, the one that speaks for the parcel now.
func Finish(source string, events []order.TrackingEvent, eta *time.Time) []order.TrackingEvent {
	out := make([]order.TrackingEvent, 0, len(events))
	seen := make(map[string]bool, len(events))
	for _, e := range events {
		e.Source = source
		e.ID = EventID(source, e.TrackingNumber, e.OccurredAt, e.RawStatus, e.Description)
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		out = append(out, e)
	}
	if len(out) > 0 {
		out[len(out)-1].EstimatedDelivery = eta
	}
	return out
}

// Scan is a provider's report of a parcel's status on its way to a canonical event: one
// checkpoint, tracking detail or track event, or the parcel's own status when it lists none.
type Scan struct {
	At             time.Time
	Status, Detail string // the provider's status and its finer one (tag and subtag, code and detail code)
	Desc           string
	Loc            order.Location
	Carrier        string // as the provider names it
}

// Events makes one canonical event of each scan, in the order given (oldest first), with the
// status mapStatus gives its codes, and finishes them under source with the delivery estimate
// eta (see Finish).
func Events(source, trackingNumber string, scans []Scan, mapStatus func(status, detail string) order.ShipmentStatus, eta *time.Time) []order.TrackingEvent {
	events := make([]order.TrackingEvent, len(scans))
	for i, s := range scans {
		events[i] = order.TrackingEvent{
			Carrier:        strings.TrimSpace(s.Carrier),
			TrackingNumber: trackingNumber,
			Status:         mapStatus(s.Status, s.Detail),
			Substatus:      strings.TrimSpace(s.Detail),
			RawStatus:      strings.TrimSpace(s.Status),
			Description:    strings.TrimSpace(s.Desc),
			Location:       s.Loc,
			OccurredAt:     s.At,
		}
	}
	return Finish(source, events, eta)
}

// Proof is a provider's proof of delivery: the signer, and the carrier's words about where the
// parcel was left when they name a place (order.ClassifyPlace; "Delivered" alone names none);
// nil when there is neither.
func Proof(signedBy, words, photoURL string) *order.Proof {
	if order.ClassifyPlace(words) == order.PlaceOther {
		words = ""
	}
	return order.NewProof(signedBy, words, photoURL)
}

// Delivered gives the newest delivered event of events (oldest first) the proof p: the scan
// that speaks for the delivery.
func Delivered(events []order.TrackingEvent, p *order.Proof) []order.TrackingEvent {
	if p == nil {
		return events
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Status == order.ShipmentDelivered {
			c := *p
			events[i].Proof = &c
			break
		}
	}
	return events
}

// DeliveryWords are the description of the newest delivered scan of scans, where carriers say
// where they left the parcel ("Delivered, Front Door/Porch"); "" when none is delivered.
func DeliveryWords(events []order.TrackingEvent) string {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Status == order.ShipmentDelivered {
			return events[i].Description
		}
	}
	return ""
}
