package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
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

// localStoreOptions are storeOptions for a local activity: the same retries, for as long as
// Postgres is away; the SDK turns waits past its local retry threshold into timers. The
// schedule-to-close limit must be set: left out, the SDK takes the start-to-close one, and a
// Postgres outage of more than ten seconds dropped the event for good (the fault suite found
// it).
var localStoreOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: forever,
	StartToCloseTimeout:    storeOptions.StartToCloseTimeout,
	RetryPolicy:            storeOptions.RetryPolicy,
}

// forever bounds retries that must not give up: a write to our own Postgres.
const forever = 10 * 365 * 24 * time.Hour

// localStoreChange marks the change that made the projection and the event records local
// activities. Each is a short write to shipflow's own Postgres, and as a regular activity it
// cost an activity task and a second workflow task: six history events and two trips through
// the server per write, which capped the events a 2-core machine applies per second. As a
// local activity it is one marker in the workflow task that asked for it. Runs recorded before
// keep regular activities on replay.
const localStoreChange = "local-store"

// store runs a write to shipflow's own Postgres: a local activity since localStoreChange.
func (w *orderWorkflow) store(ctx workflow.Context, summary string, activity, arg any) workflow.Future {
	if w.localStore {
		o := localStoreOptions
		o.Summary = summary
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, o), activity, arg)
	}
	return workflow.ExecuteActivity(withOptions(ctx, storeOptions, summary), activity, arg)
}

// a and outboundActs are only used to name activity methods; the worker holds the real ones.
var (
	a            *activities.Activities
	outboundActs *outbound.Activities
)

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
		if !w.since(ctx, notifyPerChannel) {
			w.notifyAllChannels(ctx, e) // runs recorded before sends were per channel
			return
		}
		w.notify(ctx, e)
	case order.Publish:
		ev := outbound.Event{
			OrderID: w.state.ID, Seq: e.Seq, Type: string(e.Type), ShipmentID: e.ShipmentID,
			Data: w.eventData(e.Detail), CreatedAt: workflow.Now(ctx),
		}
		if w.compact {
			w.unrecorded = append(w.unrecorded, ev) // project writes it (Persist)
			return
		}
		w.spawn(ctx, func(ctx workflow.Context) {
			w.wait(ctx, w.store(ctx, fmt.Sprintf("publish %s #%d", e.Type, e.Seq), outboundActs.RecordEvent, ev), "record event")
		})
	case order.RaiseException:
		if w.since(ctx, escalationWorkflow) {
			w.escalate(ctx, e.Exception)
			return
		}
		c := activities.ExceptionChange{OrderID: w.state.ID, Open: true, Exception: e.Exception}
		w.spawn(ctx, func(ctx workflow.Context) {
			ctx = withOptions(ctx, escalateOptions, "exception raised: "+string(e.Exception.Reason))
			w.wait(ctx, workflow.ExecuteActivity(ctx, a.ExceptionChanged, c), "escalate")
		})
	case order.ClearException:
		if w.since(ctx, escalationWorkflow) {
			w.closeEscalation(ctx, e.Exception, e.Resolution)
			return
		}
		c := activities.ExceptionChange{OrderID: w.state.ID, Exception: e.Exception, Resolution: e.Resolution}
		w.spawn(ctx, func(ctx workflow.Context) {
			ctx = withOptions(ctx, escalateOptions, "exception cleared: "+e.Resolution)
			w.wait(ctx, workflow.ExecuteActivity(ctx, a.ExceptionChanged, c), "close escalation")
		})
	case order.AskStaff:
		w.askStaff(ctx, e)
	default:
		w.logger.Error("unknown effect", "effect", fmt.Sprintf("%T", e))
	}
}

// escalationWorkflow marks the change from an ExceptionChanged activity to an Escalation child
// workflow per exception.
const escalationWorkflow = "escalation-workflow"

// escalate starts the exception's Escalation. It outlives the order's run (continue-as-new,
// even completion): staff may still be working on it.
func (w *orderWorkflow) escalate(ctx workflow.Context, x order.Exception) {
	in := EscalationInput{OrderID: w.state.ID, Exception: x, SLA: w.settings.EscalationSLA,
		Channels: w.settings.AlertChannels, Tickets: w.settings.Tickets}
	if in.SLA <= 0 {
		in.SLA = DefaultEscalationSLA
	}
	for _, s := range w.state.Shipments {
		if s.ID == x.ShipmentID {
			in.Carrier, in.TrackingNumber = s.Carrier, s.TrackingNumber
		}
	}
	w.spawn(ctx, func(ctx workflow.Context) {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        EscalationID(w.state.ID, x.RaisedAt),
			ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON,
			StaticSummary:     fmt.Sprintf("Order %s: %s", w.state.ID, x.Reason),
		})
		f := workflow.ExecuteChildWorkflow(cctx, EscalationName, in)
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !canceled(err) {
			w.logger.Error("start escalation", "error", err)
		}
	})
}

// closeEscalation tells the exception's Escalation how it closed.
func (w *orderWorkflow) closeEscalation(ctx workflow.Context, x order.Exception, resolution string) {
	id := EscalationID(w.state.ID, x.RaisedAt)
	w.spawn(ctx, func(ctx workflow.Context) {
		err := workflow.SignalExternalWorkflow(ctx, id, "", CloseEscalationSignal, resolution).Get(ctx, nil)
		if err != nil && !canceled(err) {
			w.logger.Error("close escalation", "escalation", id, "error", err)
		}
	})
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

// eventData is the order as subscribers see it in an event (order.EventData).
func (w *orderWorkflow) eventData(detail *order.EventDetail) json.RawMessage {
	b, err := json.Marshal(w.state.EventData(detail))
	if err != nil { // a View always encodes; this would be a programming error
		panic(fmt.Sprintf("encode order view: %v", err))
	}
	return b
}

// project keeps the read model current, and in runs since compactHistory records the
// published events with it (Persist: one local activity for both). One write is in flight at
// a time and always carries the latest state, so a burst of events costs a few writes, not
// one per event.
func (w *orderWorkflow) project(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return w.projected < w.revision || len(w.unrecorded) > 0 }); err != nil {
			return
		}
		rev, snap := w.revision, w.snapshot()
		var f workflow.Future
		events := w.unrecorded
		if w.compact {
			w.unrecorded = nil
			f = w.store(ctx, "persist order", a.Persist, activities.Change{Events: events, Snapshot: snap})
		} else {
			f = w.store(ctx, "project to read model", a.Project, snap)
		}
		if err := f.Get(ctx, nil); err != nil {
			if canceled(err) {
				return
			}
			// The retry policy has no attempt limit, so this is rare: try again with the
			// state as it is by then, and the events not yet recorded.
			w.logger.Error("projection failed", "revision", rev, "error", err)
			if w.compact {
				w.unrecorded = append(events, w.unrecorded...)
			}
			continue
		}
		w.projected = rev
		for _, e := range snap.Entries {
			w.sentEntries = max(w.sentEntries, e.Seq)
		}
	}
}

func (w *orderWorkflow) snapshot() db.Snapshot {
	v := w.state.Summary()
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
