package track

import (
	"context"
	"errors"
	"time"

	"github.com/shipflow/shipflow/carrier"
)

// Registrar tells a tracking provider about a parcel, so that it tracks it: its polls find
// the parcel and its webhooks report it. A parcel shipped through shipflow alone is unknown
// to an aggregator until someone registers it.
//
// Register is idempotent: a parcel the provider already tracks is a success with Existing
// set. A provider that will not track the parcel (it does not support the carrier, cannot
// detect one, or finds the number malformed) answers a *PermanentError wrapping ErrRefused;
// a rejected key is a *PermanentError wrapping ErrUnauthorized; a 429 is a
// *RateLimitError; anything else may be retried.
//
// c is the carrier as the carrier table knows it; a carrier the table does not know has only
// its Name, as the merchant wrote it, and each provider detects it, or refuses, as it can.
type Registrar interface {
	Provider() string
	Register(ctx context.Context, c carrier.Carrier, p Parcel) (Registration, error)
}

// Parcel is what a provider is told about the parcel it is asked to track. Some carriers
// are not tracked on the number alone: AfterShip lists the day the parcel was sent among
// deutsch-post's required fields, and refuses a tracking created without it.
type Parcel struct {
	TrackingNumber string
	// ShippedAt is when the merchant handed the parcel over (the order.shipped event), in the
	// merchant's zone, where its date is the day the parcel was sent; zero when not known.
	ShippedAt time.Time
}

// Registration is a provider's acceptance of a parcel.
type Registration struct {
	// Provider is the tracking API that accepted: "aftership", "easypost", "shipengine".
	Provider string
	// CarrierCode is the provider's own code for the carrier the parcel is registered under
	// (an AfterShip slug, an EasyPost carrier, a ShipEngine carrier_code), which its polls
	// must ask with.
	CarrierCode string
	// ID is the provider's id of its tracking object, "" when it has none (ShipEngine).
	ID string
	// Existing says the provider tracked the parcel already.
	Existing bool
}

// ErrRefused means a provider will not track a parcel: it does not support the carrier, could
// not detect one, or refuses the tracking number. Another provider may take it.
var ErrRefused = errors.New("provider refuses the parcel")

// Refused is the permanent error a Registrar returns when its provider will not track the
// parcel; err says why in the provider's words (usually an *APIError).
func Refused(err error) error {
	return &PermanentError{Err: &refusal{err}}
}

type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() []error {
	return []error{r.err, ErrRefused}
}
