package track

import (
	"context"
	"fmt"
	"time"
)

// DefaultMinInterval is the polling floor for a tracker that does not say
// its own: a minute is well inside every provider's published limits.
const DefaultMinInterval = time.Minute

// Pacer is a Tracker that knows the least time between two polls of one
// parcel that its provider's rate limits allow, so that the poller never
// schedules faster than that.
type Pacer interface {
	MinInterval() time.Duration
}

// Router is the Tracker the workflows use: it sends each parcel to the
// tracking API configured for its carrier (ByCarrier, keyed by lower-case
// carrier code, e.g. "sim"), or else to Default (the merchant's
// aggregator). A carrier with neither has no way to be polled, which no
// retry changes.
type Router struct {
	Default   Tracker
	ByCarrier map[string]Tracker
	// ByProvider are the configured aggregators by provider name ("aftership"), so that a
	// parcel registered with one is polled there (Via).
	ByProvider map[string]Tracker
}

// Via is the tracker of provider, nil when it is not configured.
func (r *Router) Via(provider string) Tracker {
	if t, ok := r.ByProvider[provider]; ok && t != nil {
		return t
	}
	return nil
}

// Direct reports whether carrier has a tracking API of its own (ByCarrier), which knows its
// parcels without any registration with an aggregator.
func (r *Router) Direct(carrier string) bool {
	t, ok := r.ByCarrier[CarrierCode(carrier)]
	return ok && t != nil
}

// Track asks the tracker for carrier, passing the carrier name on as given.
func (r *Router) Track(ctx context.Context, carrier, trackingNumber string) (Result, error) {
	t := r.tracker(carrier)
	if t == nil {
		return Result{}, &PermanentError{Err: fmt.Errorf("no tracking API configured for carrier %q", carrier)}
	}
	return t.Track(ctx, carrier, trackingNumber)
}

// MinInterval is the polling floor of the tracker for carrier (see Pacer),
// DefaultMinInterval when it does not say or there is none.
func (r *Router) MinInterval(carrier string) time.Duration {
	if p, ok := r.tracker(carrier).(Pacer); ok {
		if d := p.MinInterval(); d > 0 {
			return d
		}
	}
	return DefaultMinInterval
}

func (r *Router) tracker(carrier string) Tracker {
	if t, ok := r.ByCarrier[CarrierCode(carrier)]; ok && t != nil {
		return t
	}
	return r.Default
}
