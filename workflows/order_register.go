package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/order"
)

// registerOptions bound a registration: three providers at track.DefaultTimeout each fit an
// attempt, and a day of retries outlasts a provider's outage; after it the parcel is polled
// as it can be, with the reason on the shipment, rather than wait for ever.
var registerOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    45 * time.Second,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
}

// registers reports whether this run registers parcels with the tracking providers: runs at
// journeyVersion whose deployment asked for it (OrderSettings.RegisterParcels). Orders
// shipped before either are polled as they always were.
func (w *orderWorkflow) registers() bool {
	return w.journey && w.settings.RegisterParcels
}

// registerParcels registers each shipment's parcel as it is announced (or corrected), one
// RegisterShipment activity per parcel, and records what came of it on the order. A
// registration still running when the run ends is cancelled; the next run, seeing the
// shipment unregistered, asks again, which every provider answers as the first time.
func (w *orderWorkflow) registerParcels(ctx workflow.Context) {
	w.registering = map[string]bool{}
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	for !w.stopping {
		for _, id := range w.state.Unregistered() {
			s := w.shipment(id)
			key := s.ID + "/" + order.TrackingKey(s.TrackingNumber)
			if !w.registering[key] {
				w.registering[key] = true
				workflow.Go(ctx, func(ctx workflow.Context) { w.register(ctx, s, key) })
			}
		}
		rev := w.revision
		if err := workflow.Await(ctx, func() bool { return w.revision != rev || w.stopping }); err != nil {
			return
		}
	}
}

// register runs one shipment's registration and records its outcome.
func (w *orderWorkflow) register(ctx workflow.Context, s order.Shipment, key string) {
	defer delete(w.registering, key)
	req := activities.RegisterRequest{OrderID: w.state.ID, ShipmentID: s.ID, Carrier: s.Carrier, TrackingNumber: s.TrackingNumber}
	if !s.ShippedAt.IsZero() {
		req.ShippedAt = &s.ShippedAt
	}
	actx := withOptions(ctx, registerOptions, fmt.Sprintf("register %s %s", s.Carrier, s.TrackingNumber))
	var reg order.Registration
	if err := workflow.ExecuteActivity(actx, a.RegisterShipment, req).Get(ctx, &reg); err != nil {
		if canceled(err) || w.stopping {
			return
		}
		w.logger.Warn("parcel registration gave up", "shipment_id", s.ID, "error", err)
		reg = order.Registration{Status: order.RegistrationFailed, Reason: rootMessage(err), At: workflow.Now(ctx)}
	}
	if fx, ok := w.state.Registered(s.ID, s.TrackingNumber, reg); ok {
		w.changed(ctx, fx)
	}
}

// awaitsRegistration reports whether shipment s is not polled yet because its parcel is being
// registered: a poll before would ask a provider that does not know the parcel, and park.
func (w *orderWorkflow) awaitsRegistration(s order.Shipment) bool {
	return w.registers() && s.Registration == nil
}
