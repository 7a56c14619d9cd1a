package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/estimate"
	"github.com/shipflow/shipflow/order"
)

// estimateOptions bound the estimate's local activity: it reads a table in memory, so a few
// seconds and tries are plenty, and a shipment that gets none ships without one.
var estimateOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 10 * time.Second,
	StartToCloseTimeout:    3 * time.Second,
	RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 3},
	Summary:                "estimate delivery",
}

// estimateFor is the estimate for the shipment e announces when it gives no date (runs at
// journeyVersion whose settings ask for estimates), nil otherwise. It is asked before e is
// applied, so the shipped message and the order.shipped event carry the estimate. The day
// comes from a local activity and enters the history as its result: the holiday data behind
// it changes with a library upgrade, and a replay must apply the same day.
func (w *orderWorkflow) estimateFor(ctx workflow.Context, e order.CommerceEvent) *order.Estimate {
	if !w.journey || !w.settings.Estimates || !w.state.NeedsEstimate(e) {
		return nil
	}
	req := estimate.Request{
		Carrier: e.Shipment.Carrier, Service: e.Shipment.Service, Country: w.state.Destination(),
		At: e.Timestamp, Shipped: true,
	}
	est, ok := w.estimate(ctx, req)
	if !ok {
		return nil
	}
	return &order.Estimate{ShipmentID: e.Shipment.ID, Date: est.Date, Basis: est.Basis, At: e.Timestamp}
}

// estimateOrder gives a new order whose shop promised no date an estimate, counted from the
// order: the merchant's processing days and cut-off, then the usual transit time of a carrier
// not chosen yet. It runs before the run listens for events, so none is applied before the
// order.created it follows.
func (w *orderWorkflow) estimateOrder(ctx workflow.Context) []order.Effect {
	if !w.journey || !w.settings.Estimates || !w.state.NeedsOrderEstimate() {
		return nil
	}
	at := w.state.CreatedAt
	est, ok := w.estimate(ctx, estimate.Request{Country: w.state.Destination(), At: at})
	if !ok {
		return nil
	}
	return w.state.Estimated(order.Estimate{Date: est.Date, Basis: est.Basis, At: at})
}

// estimate asks the EstimateDelivery local activity; a failure is logged and leaves the
// order without an estimate, which is what it had before estimates existed.
func (w *orderWorkflow) estimate(ctx workflow.Context, req estimate.Request) (estimate.Estimate, bool) {
	// Counted in flight, so that settle does not take later events past this one.
	w.inflight++
	defer func() { w.inflight-- }()
	var est estimate.Estimate
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, estimateOptions), a.EstimateDelivery, req).Get(ctx, &est)
	if err != nil {
		if !canceled(err) {
			w.logger.Warn("no delivery estimate", "carrier", req.Carrier, "error", err)
		}
		return estimate.Estimate{}, false
	}
	return est, true
}
