// Package worker runs shipflow's workflows and activities on the task queue, with poller
// settings measured to keep workflow queries fast (SPEC section 8).
package worker

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/workflows"
)

// Deps are what the activities need.
type Deps struct {
	DB        *pgxpool.Pool
	Notifier  activities.Notifier
	Escalator activities.Escalator
	Tracker   track.Tracker
	Alerters  map[string]escalate.Alerter
	Tickets   escalate.Tickets
	// PublicURL and TrackingSecret make the links in staff alerts.
	PublicURL, TrackingSecret string
	// Webhooks delivers events to subscribers. New fills in its Deliveries with this worker's
	// client and task queue when left nil.
	Webhooks *activities.Webhooks
}

// New returns a worker with every workflow and activity registered, not yet started. onFatal is
// called if the worker stops on its own (the namespace was deleted, say), so the process can
// exit instead of running on without polling.
func New(c client.Client, taskQueue string, d Deps, onFatal func(error)) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		OnFatalError: onFatal,
		// The SDK default of 2 workflow-task pollers left status queries at a p99 of 200-560 ms
		// on a 2-core machine; 16 brought it near 60 ms (SPEC section 8).
		MaxConcurrentWorkflowTaskPollers: 16,
		MaxConcurrentActivityTaskPollers: 8,
		// Finish in-flight activities on shutdown instead of abandoning them to a timeout.
		WorkerStopTimeout: 10 * time.Second,
	})
	if d.Webhooks != nil && d.Webhooks.Deliveries == nil {
		d.Webhooks.Deliveries = workflows.Deliveries{Client: c, TaskQueue: taskQueue}
	}
	Register(w, d)
	return w
}

// Registry is what a worker and the SDK's test environment both accept.
type Registry interface {
	WorkflowRegistry
	RegisterActivity(a any)
}

// WorkflowRegistry is what the workflow replayer accepts as well.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register adds shipflow's workflows and activities to r. Tests and production register
// through here, so both see exactly the same names.
func Register(r Registry, d Deps) {
	RegisterWorkflows(r)
	r.RegisterActivity(&activities.Activities{DB: d.DB, Notifier: d.Notifier, Escalator: d.Escalator,
		Tracker: d.Tracker, Alerters: d.Alerters, Tickets: d.Tickets, PublicURL: d.PublicURL, TrackingSecret: d.TrackingSecret, Webhooks: d.Webhooks})
}

// RegisterWorkflows adds the workflows only: the replayer runs histories without activities.
func RegisterWorkflows(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.Order, workflow.RegisterOptions{Name: workflows.OrderName})
	r.RegisterWorkflowWithOptions(workflows.Escalation, workflow.RegisterOptions{Name: workflows.EscalationName})
	r.RegisterWorkflowWithOptions(workflows.Delivery, workflow.RegisterOptions{Name: workflows.DeliveryName})
	r.RegisterWorkflowWithOptions(workflows.SelfTest, workflow.RegisterOptions{Name: workflows.SelfTestName})
}
