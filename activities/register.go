package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
)

// RegisterRequest asks for one shipment's parcel to be registered with the tracking providers.
type RegisterRequest struct {
	OrderID        string `json:"order_id"`
	ShipmentID     string `json:"shipment_id"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	// ShippedAt is when the parcel was handed over, which some carriers need to be tracked
	// (track.Parcel). Nil in requests recorded before it was sent: the provider is asked
	// without it, as it was then.
	ShippedAt *time.Time `json:"shipped_at,omitempty"`
}

// RegisterShipment registers the parcel with the configured tracking providers, in the order
// the poller prefers them, and stops at the first that accepts; one that already tracks it
// accepts. A provider that refuses (the carrier, the number, or the key) is recorded with its
// reason and the next is tried; when none accepts, the answer says so, and the order polls as
// it can. A provider that cannot answer now (a 429, a 5xx, a timeout) fails the attempt, for
// Temporal to retry within the workflow's bound: asking the next provider instead would
// register a parcel with one merely because another was slow. Every provider treats a
// repeated registration as the first, so a retry registers nothing twice.
func (a *Activities) RegisterShipment(ctx context.Context, r RegisterRequest) (order.Registration, error) {
	if d, ok := a.Tracker.(interface{ Direct(string) bool }); ok && d.Direct(r.Carrier) {
		return order.Registration{Status: order.RegistrationNotNeeded, At: time.Now().UTC()}, nil
	}
	if len(a.Registrars) == 0 {
		return order.Registration{Status: order.RegistrationFailed, Reason: "no tracking provider is configured on the worker", At: time.Now().UTC()}, nil
	}
	c := carrier.Carrier{Name: strings.TrimSpace(r.Carrier)} // unknown: each provider detects it, or refuses
	if a.Carriers != nil {
		if known, ok := a.Carriers.Lookup(r.Carrier); ok {
			c = known
		}
	}
	p := track.Parcel{TrackingNumber: r.TrackingNumber}
	if r.ShippedAt != nil {
		p.ShippedAt = *r.ShippedAt // UTC in the order: the day it was sent is the merchant's
		if a.Estimates != nil && a.Estimates.Zone != nil {
			p.ShippedAt = p.ShippedAt.In(a.Estimates.Zone)
		}
	}
	var refusals []order.Refusal
	for _, rg := range a.Registrars {
		reg, err := rg.Register(ctx, c, p)
		var rl *track.RateLimitError
		switch {
		case err == nil:
			return order.Registration{
				Status: order.RegistrationRegistered, Provider: reg.Provider, CarrierCode: reg.CarrierCode,
				Refusals: refusals, At: time.Now().UTC(),
			}, nil
		case track.IsPermanent(err):
			refusals = append(refusals, order.Refusal{Provider: rg.Provider(), Reason: err.Error()})
		case errors.As(err, &rl):
			return order.Registration{}, temporal.NewApplicationErrorWithOptions(err.Error(), "RateLimited",
				temporal.ApplicationErrorOptions{NextRetryDelay: rl.RetryAfter})
		default:
			return order.Registration{}, temporal.NewApplicationErrorWithOptions(
				fmt.Sprintf("register %s with %s: %v", r.TrackingNumber, rg.Provider(), err), "ProviderUnavailable",
				temporal.ApplicationErrorOptions{Cause: err})
		}
	}
	return order.Registration{
		Status: order.RegistrationRefused, Reason: "no tracking provider accepted the parcel; it is polled as it can be",
		Refusals: refusals, At: time.Now().UTC(),
	}, nil
}
