// Package workflows holds shipflow's Temporal workflows: durable shells that receive events,
// hand them to the plain-Go lifecycle rules in package order, and run the resulting effects as
// activities. Nothing here does I/O directly, and everything here must replay deterministically.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
)

// Workflow type names are part of running histories: renaming one strands the workflows
// already running under the old name.
const (
	SelfTestName = "SelfTest"
)

// SelfTestResult is what one self-test run found.
type SelfTestResult struct {
	Database activities.DatabaseCheck `json:"database"`
	Worker   string                   `json:"worker"`
}

// SelfTest proves the whole path an order takes: the HTTP server starts it on Temporal, a worker
// runs it, and its activity reaches Postgres. Operators call it after a deployment; the
// integration tests use it to check the wiring.
func SelfTest(ctx workflow.Context) (SelfTestResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var a *activities.Activities
	var r SelfTestResult
	if err := workflow.ExecuteActivity(ctx, a.CheckDatabase).Get(ctx, &r.Database); err != nil {
		return r, err
	}
	r.Worker = workflow.GetInfo(ctx).TaskQueueName
	return r, nil
}
