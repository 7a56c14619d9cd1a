package outbound

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"go.temporal.io/sdk/temporal"
)

// Activities are the outbound activities; the worker registers their methods, whose names
// (RecordEvent, AttemptDelivery) are part of running histories.
type Activities struct {
	Outbox *Outbox
}

// RecordEvent stores an outbound event the lifecycle published with a delivery for each
// subscribed endpoint, and wakes this worker's dispatcher to make their first attempts. The
// order's workflow does not wait for them: the deliveries are safe in Postgres from here on.
func (a *Activities) RecordEvent(ctx context.Context, e Event) error {
	return a.Outbox.Record(ctx, e)
}

// Types of the application errors AttemptDelivery returns, part of running histories.
const (
	// EndpointBusy asks for the attempt again a little later (ErrEndpointBusy).
	EndpointBusy = "EndpointBusy"
	// DeliveryDeferred: the pass failed and was noted; the error's NextRetryDelay is the wait
	// before the next (DeferredError).
	DeliveryDeferred = "DeliveryDeferred"
	// DeliveryNotRecorded: retrying would send the webhook again to no avail (ErrNotRecorded).
	DeliveryNotRecorded = "DeliveryNotRecorded"
	misconfigured       = "Misconfigured"
)

// AttemptDelivery is a delivery workflow's pass at a delivery (Outbox.Pass), with what
// decided nothing turned into the retry Temporal should make: soon for a busy endpoint, after
// the noted wait for a deferred pass, never for one that cannot succeed.
func (a *Activities) AttemptDelivery(ctx context.Context, r DeliveryAttempt) (DeliveryReport, error) {
	rep, err := a.Outbox.Pass(ctx, r)
	var deferred *DeferredError
	switch {
	case err == nil:
		return rep, nil
	case errors.Is(err, ErrEndpointBusy):
		return rep, temporal.NewApplicationErrorWithOptions(err.Error(), EndpointBusy,
			temporal.ApplicationErrorOptions{NextRetryDelay: time.Second + rand.N(2*time.Second)})
	case errors.Is(err, ErrNoSender):
		return rep, temporal.NewNonRetryableApplicationError(err.Error(), misconfigured, nil)
	case errors.Is(err, ErrNotRecorded):
		return rep, temporal.NewNonRetryableApplicationError(err.Error(), DeliveryNotRecorded, err)
	case errors.As(err, &deferred):
		return rep, temporal.NewApplicationErrorWithOptions(deferred.Error(), DeliveryDeferred,
			temporal.ApplicationErrorOptions{NextRetryDelay: deferred.Wait, Cause: deferred.Err})
	}
	return rep, err
}
