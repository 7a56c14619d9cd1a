// Package worker runs shipflow's workflows and activities on the task queue, with poller
// settings measured to keep workflow queries fast (docs/BENCHMARKS.md).
package worker

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/estimate"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/privacy"
	"github.com/shipflow/shipflow/retention"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/workflows"
)

// Deps are what the activities need.
type Deps struct {
	DB        *pgxpool.Pool
	Notifier  activities.Notifier
	Escalator activities.Escalator
	Tracker   track.Tracker
	// Registrars are the tracking providers parcels are registered with, in the order the
	// poller prefers them; Carriers is the carrier table they name carriers by.
	Registrars []track.Registrar
	Carriers   *carrier.Table
	Alerters   map[string]escalate.Alerter
	Tickets    escalate.Tickets
	// TicketPublicComments opens tickets for the order's customer, with a public comment.
	TicketPublicComments bool
	// PublicURL and TrackingSecret make the links in staff alerts; TrackingPageURL is the
	// tracking page's own address, when it has one.
	PublicURL, TrackingSecret, TrackingPageURL string
	// Estimates are the merchant's delivery estimate rules; nil estimates nothing.
	Estimates *estimate.Rules
	// ChannelFallback sends a milestone refused for good on a channel on the customer's next.
	ChannelFallback bool
	// Webhooks delivers events to subscribers. With it set, the worker also runs a dispatcher
	// that makes every delivery's first attempt (outbound.Dispatcher).
	Webhooks *outbound.Sender
	// Logger and Metrics are the dispatcher's; a nil Logger is slog's default, and with no
	// Metrics its counters are not exported.
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	// Loops are periodic checks every worker runs while it runs, such as the unresolved
	// notification check (notify.Unresolved.Run); each returns when its context ends.
	Loops []func(ctx context.Context)
	// Tuning is how much the worker takes on at once; zero is DefaultTuning.
	Tuning Tuning
	// Temporal is the client privacy erasures send the order workflows' erase_customer update
	// with; New sets it to its own client when nil.
	Temporal client.Client
	// Secrets seal the exports kept for merchants (SHIPFLOW_SECRET_KEYS); nil keeps them plain.
	Secrets *payload.Codec
}

// Tuning is how much one worker process takes on at once (the SHIPFLOW_*_POLLERS,
// SHIPFLOW_MAX_CONCURRENT_* and SHIPFLOW_STICKY_CACHE_SIZE settings, docs/temporal.md).
type Tuning struct {
	WorkflowPollers, ActivityPollers int
	MaxActivities, MaxWorkflowTasks  int
	// StickyCacheSize is how many workflows stay in memory between their tasks, so that the
	// next task of one does not replay its whole history. The cache is the process's, shared
	// by its workers.
	StickyCacheSize int
}

// DefaultTuning is what the settings default to.
var DefaultTuning = Tuning{
	// The SDK default of 2 workflow-task pollers left status queries at a p99 of 200-560 ms
	// on a 2-core machine; 16 brought it near 60 ms (docs/BENCHMARKS.md).
	WorkflowPollers: 16,
	ActivityPollers: 8,
	// The SDK's own defaults: activities mostly wait on providers' APIs, and a workflow task
	// is short; the slots bound memory, not CPU.
	MaxActivities: 1000, MaxWorkflowTasks: 1000, StickyCacheSize: 10000,
}

// New returns a worker with every workflow and activity registered, not yet started, and with
// d.Webhooks set, the dispatcher of outbound deliveries, which starts and stops with it, as
// d.Loops do.
// onFatal is called if the worker stops on its own (the namespace was deleted, say), so the
// process can exit instead of running on without polling.
func New(c client.Client, taskQueue string, d Deps, onFatal func(error)) sdkworker.Worker {
	t := d.Tuning
	if t == (Tuning{}) {
		t = DefaultTuning
	}
	sdkworker.SetStickyWorkflowCacheSize(t.StickyCacheSize) // read when the first worker starts
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		OnFatalError:                           onFatal,
		MaxConcurrentWorkflowTaskPollers:       t.WorkflowPollers,
		MaxConcurrentActivityTaskPollers:       t.ActivityPollers,
		MaxConcurrentActivityExecutionSize:     t.MaxActivities,
		MaxConcurrentWorkflowTaskExecutionSize: t.MaxWorkflowTasks,
		// Finish in-flight activities on shutdown instead of abandoning them to a timeout.
		WorkerStopTimeout: 10 * time.Second,
	})
	if d.Temporal == nil {
		d.Temporal = c
	}
	Register(w, d)
	if d.Webhooks == nil {
		if len(d.Loops) == 0 {
			return w
		}
		return &dispatching{Worker: w, loops: d.Loops}
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	disp := outbound.NewDispatcher(outboxOf(d), outbound.Deliveries{Client: c, TaskQueue: taskQueue}, log)
	if d.Metrics != nil {
		if err := disp.Register(d.Metrics); err != nil {
			log.Error("register the dispatcher's metrics", "err", err)
		}
	}
	d.Webhooks.Wake = disp.Wake
	return &dispatching{Worker: w, loops: append([]func(context.Context){disp.Run}, d.Loops...)}
}

// dispatching is a Temporal worker that runs a dispatcher and its other loops while it runs.
type dispatching struct {
	sdkworker.Worker
	loops []func(ctx context.Context) // the dispatcher's Run first, when there is one

	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

func (w *dispatching) Start() error {
	if err := w.Worker.Start(); err != nil {
		return err
	}
	w.startLoops()
	return nil
}

func (w *dispatching) Run(interruptCh <-chan any) error {
	w.startLoops()
	defer w.stopLoops()
	return w.Worker.Run(interruptCh)
}

// Stop stops the loops first: the dispatcher's attempts under way may still hand deliveries to
// their workflows.
func (w *dispatching) Stop() {
	w.stopLoops()
	w.Worker.Stop()
}

func (w *dispatching) startLoops() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		var wg sync.WaitGroup
		for _, loop := range w.loops {
			wg.Go(func() { loop(ctx) })
		}
		wg.Wait()
	}()
}

func (w *dispatching) stopLoops() {
	w.mu.Lock()
	stop, done := w.stop, w.done
	w.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
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
	outbox := outboxOf(d)
	r.RegisterActivity(&activities.Activities{DB: d.DB, Outbox: outbox, Notifier: d.Notifier, Escalator: d.Escalator,
		Tracker: d.Tracker, Registrars: d.Registrars, Carriers: d.Carriers, Alerters: d.Alerters, Tickets: d.Tickets, PublicURL: d.PublicURL, TrackingSecret: d.TrackingSecret, TrackingPageURL: d.TrackingPageURL,
		Estimates: d.Estimates, ChannelFallback: d.ChannelFallback, TicketPublicComments: d.TicketPublicComments})
	r.RegisterActivity(&outbound.Activities{Outbox: outbox})
	r.RegisterActivity(&privacy.Activities{DB: d.DB, Temporal: d.Temporal, Secrets: d.Secrets})
	r.RegisterActivity(&retention.Activities{DB: d.DB})
}

// outboxOf is the outbound side of d; the staff chats it tells of a disabled endpoint are the
// configured alerters, in a stable order.
func outboxOf(d Deps) *outbound.Outbox {
	return &outbound.Outbox{DB: d.DB, Sender: d.Webhooks, Channels: slices.Sorted(maps.Keys(d.Alerters))}
}

// RegisterWorkflows adds the workflows only: the replayer runs histories without activities.
func RegisterWorkflows(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.Order, workflow.RegisterOptions{Name: workflows.OrderName})
	r.RegisterWorkflowWithOptions(workflows.Escalation, workflow.RegisterOptions{Name: workflows.EscalationName})
	r.RegisterWorkflowWithOptions(outbound.DeliveryWorkflow, workflow.RegisterOptions{Name: outbound.DeliveryName})
	r.RegisterWorkflowWithOptions(workflows.SelfTest, workflow.RegisterOptions{Name: workflows.SelfTestName})
	r.RegisterWorkflowWithOptions(workflows.HumanRequest, workflow.RegisterOptions{Name: workflows.HumanRequestName})
	r.RegisterWorkflowWithOptions(privacy.ErasureWorkflow, workflow.RegisterOptions{Name: privacy.ErasureName})
	r.RegisterWorkflowWithOptions(privacy.ExportWorkflow, workflow.RegisterOptions{Name: privacy.ExportName})
	r.RegisterWorkflowWithOptions(retention.Workflow, workflow.RegisterOptions{Name: retention.WorkflowName})
}
