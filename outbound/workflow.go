package outbound

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	sdkclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/escalate"
)

// Names the delivery workflow answers to and calls; part of running histories, never rename
// one.
const (
	DeliveryName = "WebhookDelivery"
	// RetryNowSignal cuts a delivery's wait short: a person asked for the next attempt now.
	RetryNowSignal = "retry_now"
	// AlertStaffActivity is the staff-chat alert registered by package activities, called by
	// name so that this package stays below it.
	AlertStaffActivity = "AlertStaff"
)

// DeliveryWorkflowID is the id of a delivery's workflow: at most one runs per delivery.
func DeliveryWorkflowID(deliveryID string) string { return "webhook-" + deliveryID }

// DeliveryInput starts a delivery's run.
type DeliveryInput struct {
	DeliveryID string `json:"delivery_id"`
	// FirstAttempt numbers this run's first attempt: 2 when a dispatcher made the first and
	// handed the delivery on (1 in runs started before dispatchers), the next number for a
	// person's retry.
	FirstAttempt int `json:"first_attempt"`
	// Manual is a person's retry: one attempt, no schedule.
	Manual bool `json:"manual,omitempty"`
	// Wait is how long to wait before this run's first attempt: what the schedule, or the
	// receiver's Retry-After, asked for after the dispatcher's attempt.
	Wait time.Duration `json:"wait,omitempty"`
	// Notice is set when the dispatcher's attempt disabled the endpoint: the run tells staff in
	// Channels and ends, since the endpoint takes no more attempts.
	Notice   *EndpointNotice `json:"notice,omitempty"`
	Channels []string        `json:"channels,omitempty"`
}

// DeliveryWorkflow carries one event to one subscriber endpoint after its first attempt, which a
// dispatcher makes straight from Postgres (Dispatcher): the waits of the documented retry
// schedule (docs/reference/outbound-webhooks.md) between attempts until one succeeds, the endpoint is gone, or the schedule ends.
// Each such delivery is a workflow of its own, so a dead or slow endpoint only ever delays its
// own deliveries, and a wait of ten hours costs a timer, not a worker. (One activity with a
// retry policy cannot follow a schedule of uneven steps or honour Retry-After, nor record
// every attempt.) A person's retry is a run of one attempt.
func DeliveryWorkflow(ctx workflow.Context, in DeliveryInput) error {
	d := &delivery{in: in, retryNow: workflow.GetSignalChannel(ctx, RetryNowSignal)}
	return d.run(ctx)
}

type delivery struct {
	in       DeliveryInput
	retryNow workflow.ReceiveChannel
}

// attemptOptions: an attempt takes at most 15 s of HTTP and a few writes. It runs as a local
// activity, in the worker that runs the workflow task: a delivery then costs the engine one
// workflow task per attempt instead of an activity task and a second workflow task, which
// doubled the deliveries a 2-core machine makes per second. It is retried only when it could
// not decide (Postgres down, a worker crash, the endpoint's in-flight cap on this worker),
// which costs the delivery no attempt. An attempt made but not recorded asks for a growing
// wait of its own (DeliveryDeferred) and ends the delivery after a few, or at once
// when Postgres refused the record: it is never retried at this policy's pace for ever.
var attemptOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: forever, // left out, it would be the 45 s below
	StartToCloseTimeout:    45 * time.Second,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// alertOptions are those of a staff alert, as the order workflow's: a chat that is down is
// tried again for as long as it takes.
var alertOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
}

// forever bounds the retries of an attempt that could not decide: they must not give up.
const forever = 10 * 365 * 24 * time.Hour

// acts is only used to name activity methods; the worker holds the real one.
var acts *Activities

func (d *delivery) run(ctx workflow.Context) error {
	if n := d.in.Notice; n != nil {
		d.alert(ctx, *n, d.in.Channels)
		return nil
	}
	if d.in.Wait > 0 {
		d.wait(ctx, d.in.Wait)
	}
	first := max(d.in.FirstAttempt, 1)
	for i := 1; ; i++ {
		// An automatic run goes on with the schedule where the attempts before it left off; a
		// person's retry is one attempt outside it.
		try := first + i - 1
		if d.in.Manual {
			try = i
		}
		req := DeliveryAttempt{DeliveryID: d.in.DeliveryID, Attempt: first + i - 1, Try: try, Manual: d.in.Manual}
		o := attemptOptions
		o.Summary = fmt.Sprintf("attempt %d", req.Attempt)
		actx := workflow.WithLocalActivityOptions(ctx, o)
		var rep DeliveryReport
		if err := workflow.ExecuteLocalActivity(actx, acts.AttemptDelivery, req).Get(ctx, &rep); err != nil {
			return err
		}
		if rep.GaveUp != "" {
			workflow.GetLogger(ctx).Error("webhook delivery failed: its attempts cannot be recorded", "delivery", d.in.DeliveryID, "error", rep.GaveUp)
		}
		if rep.Notice != nil {
			d.alert(ctx, *rep.Notice, rep.Channels)
		}
		if rep.Done {
			return nil
		}
		d.wait(ctx, rep.Wait)
	}
}

// wait sleeps until the next attempt is due or a person asks for it now.
func (d *delivery) wait(ctx workflow.Context, dur time.Duration) {
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(tctx, dur), func(workflow.Future) {})
	sel.AddReceive(d.retryNow, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.Select(ctx)
}

// alert tells staff an endpoint was disabled: in the log, which is all a deployment without
// chats gets, and in every chat.
func (d *delivery) alert(ctx workflow.Context, n EndpointNotice, channels []string) {
	workflow.GetLogger(ctx).Warn("webhook endpoint disabled", "endpoint", n.EndpointID, "url", n.URL, "reason", n.Reason)
	al := EndpointAlert(n)
	var fs []workflow.Future
	for _, ch := range channels {
		o := alertOptions
		o.Summary = "endpoint disabled: " + ch
		actx := workflow.WithActivityOptions(ctx, o)
		fs = append(fs, workflow.ExecuteActivity(actx, AlertStaffActivity, ch, al))
	}
	for _, f := range fs {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("staff alert failed", "endpoint", n.EndpointID, "error", err)
		}
	}
}

// EndpointAlert is the staff alert for an endpoint an attempt disabled.
func EndpointAlert(n EndpointNotice) escalate.Alert {
	return escalate.Alert{
		About:   "Webhook endpoint " + n.EndpointID,
		Reason:  "webhook_endpoint_disabled",
		Message: fmt.Sprintf("Deliveries to %s stopped: %s. Fix the receiver, re-enable the endpoint and recover its failed deliveries.", n.URL, n.Reason),
	}
}

// Deliveries starts delivery workflows on a task queue; it is what the dispatchers and the API
// use.
type Deliveries struct {
	Client    sdkclient.Client
	TaskQueue string
}

// StartDelivery hands a delivery to its workflow for the rest of its schedule. A run that is
// going makes it a no-op (the conflict policy finds it), so a dispatcher that hands a delivery
// on twice (it died before recording the first) starts one run. A run that has closed does not:
// a delivery handed on again while still pending was left unfinished by that run (it failed, or
// was terminated), and the stranded-delivery check hands it back to the dispatchers for a new
// one. A run that closed having finished the delivery makes the new run's attempt a no-op
// (Outbox.Pass skips a delivery no longer pending). Eager start lets the
// dispatcher's own worker take the run's first task without a round of polling.
func (d Deliveries) StartDelivery(ctx context.Context, in DeliveryInput) error {
	_, err := d.Client.ExecuteWorkflow(ctx, sdkclient.StartWorkflowOptions{
		ID:                       DeliveryWorkflowID(in.DeliveryID),
		TaskQueue:                d.TaskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		EnableEagerStart:         true,
		StaticSummary:            "webhook delivery " + in.DeliveryID,
	}, DeliveryName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return fmt.Errorf("start delivery %s: %w", in.DeliveryID, err)
	}
	return nil
}

// RetryDelivery is a person's retry: the next attempt now. A delivery still in its schedule
// is woken from its wait; a finished one gets a run of one attempt, numbered after the
// attempts it has had. Asking again for the same delivery as read (a repeated recover) is
// safe: a run still going is only signalled, and a run that has closed since made that
// attempt, so a new run's attempt finds it recorded and sends nothing
// (Outbox.Pass).
func (d Deliveries) RetryDelivery(ctx context.Context, dl Delivery) error {
	_, err := d.Client.SignalWithStartWorkflow(ctx, DeliveryWorkflowID(dl.ID), RetryNowSignal, nil,
		sdkclient.StartWorkflowOptions{
			TaskQueue:             d.TaskQueue,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			StaticSummary:         "webhook delivery " + dl.ID + " (manual retry)",
		}, DeliveryName, DeliveryInput{DeliveryID: dl.ID, FirstAttempt: dl.Attempts + 1, Manual: true})
	if err != nil {
		return fmt.Errorf("retry delivery %s: %w", dl.ID, err)
	}
	return nil
}

// RunState is what became of a delivery's workflow, as the stranded-delivery check asks.
type RunState string

// Run states. Missing: never started, or closed so long ago that Temporal no longer keeps it.
const (
	RunRunning RunState = "running"
	RunClosed  RunState = "closed"
	RunMissing RunState = "missing"
)

// DeliveryRun says whether a delivery's workflow (its latest run) is running.
func (d Deliveries) DeliveryRun(ctx context.Context, deliveryID string) (RunState, error) {
	desc, err := d.Client.DescribeWorkflowExecution(ctx, DeliveryWorkflowID(deliveryID), "")
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		return RunMissing, nil
	case err != nil:
		return "", fmt.Errorf("describe the workflow of delivery %s: %w", deliveryID, err)
	case desc.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return RunRunning, nil
	}
	return RunClosed, nil
}
