package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/estimate"
)

// EstimateDelivery estimates a parcel's delivery day from the merchant's rules (package
// estimate). It reads holiday data that changes with a library upgrade, so the order workflow
// asks it here and keeps the answer in its history instead of computing it in workflow code.
// It writes nothing, so a retry is harmless.
func (a *Activities) EstimateDelivery(_ context.Context, r estimate.Request) (estimate.Estimate, error) {
	if a.Estimates == nil {
		return estimate.Estimate{}, temporal.NewNonRetryableApplicationError("delivery estimates are not configured on this worker", "EstimatesOff", errors.New("no estimate rules"))
	}
	e, err := a.Estimates.Estimate(r)
	if err != nil {
		return e, temporal.NewNonRetryableApplicationError(err.Error(), "BadEstimate", err)
	}
	return e, nil
}
