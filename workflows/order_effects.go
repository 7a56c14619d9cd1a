package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
)

// Activity options by kind of effect. Writes to our own Postgres retry forever with a capped
// backoff: a projection or an event must never be skipped, only delayed until the database is
// back. Messages to people retry for a day and then count as failed.
var (
	storeOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	}
	notifyOptions = workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	}
	escalateOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	}
)

// a is only used to name activity methods; the worker holds the real one.
var a *activities.Activities

func withOptions(ctx workflow.Context, o workflow.ActivityOptions, summary string) workflow.Context {
	o.Summary = summary
	return workflow.WithActivityOptions(ctx, o)
}

// carryOut starts one effect. Effects run concurrently with everything else, so a slow
// provider never holds up the next event; their inputs are taken now, from the state that
// asked for them.
func (w *orderWorkflow) carryOut(ctx workflow.Context, e order.Effect) {
	switch e := e.(type) {
	case order.Notify:
		n := activities.Notification{
			OrderID: w.state.ID, Milestone: e.Milestone, ShipmentID: e.ShipmentID,
			Channels: slices.Clone(w.state.Notify), Customer: w.state.Customer,
		}
		w.spawn(ctx, func(ctx workflow.Context) {
			ctx = withOptions(ctx, notifyOptions, fmt.Sprintf("notify %s %s", e.Milestone, e.ShipmentID))
			err := workflow.ExecuteActivity(ctx, a.Notify, n).Get(ctx, nil)
			if err != nil && !canceled(err) {
				w.logger.Error("notification failed", "milestone", e.Milestone, "shipment_id", e.ShipmentID, "error", err)
				w.changed(ctx, w.state.NotificationFailed(e.Milestone, e.ShipmentID, "", rootMessage(err), workflow.Now(ctx)))
			}
		})
	case order.Publish:
		ev := db.Event{
			OrderID: w.state.ID, Seq: e.Seq, Type: string(e.Type), ShipmentID: e.ShipmentID,
			Data: w.eventData(), CreatedAt: workflow.Now(ctx),
		}
		w.spawn(ctx, func(ctx workflow.Context) {
			ctx = withOptions(ctx, storeOptions, fmt.Sprintf("publish %s #%d", e.Type, e.Seq))
			w.wait(ctx, workflow.ExecuteActivity(ctx, a.RecordEvent, ev), "record event")
		})
	case order.RaiseException:
		c := activities.ExceptionChange{OrderID: w.state.ID, Open: true, Exception: e.Exception}
		w.spawn(ctx, func(ctx workflow.Context) {
			ctx = withOptions(ctx, escalateOptions, "exception raised: "+string(e.Exception.Reason))
			w.wait(ctx, workflow.ExecuteActivity(ctx, a.ExceptionChanged, c), "escalate")
		})
	case order.ClearException:
		c := activities.ExceptionChange{OrderID: w.state.ID, Exception: e.Exception, Resolution: e.Resolution}
		w.spawn(ctx, func(ctx workflow.Context) {
			ctx = withOptions(ctx, escalateOptions, "exception cleared: "+e.Resolution)
			w.wait(ctx, workflow.ExecuteActivity(ctx, a.ExceptionChanged, c), "close escalation")
		})
	default:
		w.logger.Error("unknown effect", "effect", fmt.Sprintf("%T", e))
	}
}

// spawn runs f in its own coroutine and counts it in flight until it returns, so that
// finishing or continuing as new waits for it.
func (w *orderWorkflow) spawn(ctx workflow.Context, f func(workflow.Context)) {
	w.inflight++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { w.inflight-- }()
		f(ctx)
	})
}

func (w *orderWorkflow) wait(ctx workflow.Context, f workflow.Future, what string) {
	if err := f.Get(ctx, nil); err != nil && !canceled(err) {
		w.logger.Error(what+" failed", "error", err)
	}
}

// eventData is the order as subscribers see it in an event: the view without its timeline,
// which would make every event as large as the order's whole history.
func (w *orderWorkflow) eventData() json.RawMessage {
	v := w.state.View()
	v.Timeline = nil
	b, err := json.Marshal(v)
	if err != nil { // a View always encodes; this would be a programming error
		panic(fmt.Sprintf("encode order view: %v", err))
	}
	return b
}

// project keeps the read model current. One projection is in flight at a time and always
// carries the latest state, so a burst of events costs a few writes, not one per event.
func (w *orderWorkflow) project(ctx workflow.Context) {
	ctx = withOptions(ctx, storeOptions, "project to read model")
	for {
		if err := workflow.Await(ctx, func() bool { return w.projected < w.revision }); err != nil {
			return
		}
		rev, snap := w.revision, w.snapshot()
		if err := workflow.ExecuteActivity(ctx, a.Project, snap).Get(ctx, nil); err != nil {
			if canceled(err) {
				return
			}
			// The retry policy has no attempt limit, so this is rare: try again with the
			// state as it is by then.
			w.logger.Error("projection failed", "revision", rev, "error", err)
			continue
		}
		w.projected = rev
		for _, e := range snap.Entries {
			w.sentEntries = max(w.sentEntries, e.Seq)
		}
	}
}

func (w *orderWorkflow) snapshot() db.Snapshot {
	v := w.state.View()
	v.Timeline = nil
	s := db.Snapshot{Revision: w.revision, View: v}
	for _, e := range w.state.Timeline {
		if e.Seq > w.sentEntries {
			s.Entries = append(s.Entries, e)
		}
	}
	return s
}

// rootMessage is the innermost error message, for the order's timeline.
func rootMessage(err error) string {
	var ae *temporal.ApplicationError
	for {
		var next error
		if u, ok := err.(interface{ Unwrap() error }); ok {
			next = u.Unwrap()
		}
		if next == nil {
			break
		}
		err = next
	}
	if errors.As(err, &ae) {
		return ae.Message()
	}
	return err.Error()
}
