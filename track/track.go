// Package track is the contract between the order workflows and the carriers they poll: one
// Tracker per tracking API (AfterShip, EasyPost, ShipEngine, and the scripted sim carrier), and
// the errors that tell a poller whether to try again, later, or never.
package track

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shipflow/shipflow/order"
)

// Result is what a carrier knows about one parcel: its scans, normalised and oldest first
// (the same events, with the same ids, as that provider's webhooks produce), and its ETA.
type Result struct {
	Events []order.TrackingEvent
	ETA    *time.Time
}

// Tracker asks a carrier or aggregator where a parcel is.
type Tracker interface {
	Track(ctx context.Context, carrier, trackingNumber string) (Result, error)
}

// PermanentError is an answer that asking again cannot change: an unknown tracking number, a
// rejected API key.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// RateLimitError is a 429: ask again after RetryAfter (zero when the carrier did not say).
type RateLimitError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited (retry after %s): %v", e.RetryAfter, e.Err)
}
func (e *RateLimitError) Unwrap() error { return e.Err }

// IsPermanent reports whether err must not be retried.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
