package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/notify"
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

// notifyPerChannel marks the change from one Notify activity for all channels to one per
// channel, which lets each channel retry on its own and tells when every channel failed.
const notifyPerChannel = "notify-per-channel"

// notify sends a milestone on each of the customer's channels, after the customer's quiet
// hours for a non-urgent one. When every channel fails, subscribers hear notification.failed.
func (w *orderWorkflow) notify(ctx workflow.Context, e order.Notify) {
	channels := slices.Clone(w.state.Notify)
	if len(channels) == 0 {
		return
	}
	n := w.notification(e)
	tz := w.state.Customer.TimeZone
	w.spawn(ctx, func(ctx workflow.Context) {
		superseded := ""
		if !e.Milestone.Urgent() {
			if wait := w.quietWait(ctx, tz); wait > 0 {
				var ok bool
				if superseded, ok = w.holdForQuietHours(ctx, e, wait); !ok {
					return
				}
			}
		}
		n.Superseded = superseded
		send := w.sendPerChannel
		if w.compact {
			send = w.sendMilestone
		}
		failures, ok := send(ctx, n, channels)
		if ok && len(failures) == len(channels) {
			w.logger.Error("notification failed on every channel", "milestone", e.Milestone, "shipment_id", e.ShipmentID)
			w.changed(ctx, w.state.NotificationFailed(e.Milestone, e.ShipmentID, "", strings.Join(failures, "; "), workflow.Now(ctx)))
		}
	})
}

// firstSendOptions run a milestone's first try as a local activity: a marker in the workflow
// task that asked for it, where an activity costs three events and a workflow task of its
// own. One try only: what fails goes on as a regular activity (sendMilestone), whose day of
// retries leaves no trace in the history, rather than as local retries that hold the task
// open and then cost a timer each. The task cannot complete while the try runs, so the
// order's next event waits for it (the reason local sends were once measured and dropped,
// docs/BENCHMARKS.md): five seconds bound that wait, far above a provider's usual answer
// (under a second). A slower provider's message goes on in the activity, which finds it
// "sending" and leaves it to the provider's receipt rather than risk sending it twice.
var firstSendOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 5 * time.Second,
	StartToCloseTimeout:    5 * time.Second,
	RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 1},
}

// sendMilestone sends n on every channel with SendMilestone (runs since compactHistory): a
// local activity first, then, if a channel failed for a passing reason, an activity retried
// for a day. It returns the channels that failed, each with why; false when the run ends
// under it.
func (w *orderWorkflow) sendMilestone(ctx workflow.Context, n notify.Request, channels []order.Channel) ([]string, bool) {
	n.Channels = channels
	summary := fmt.Sprintf("notify %s via %s", n.Milestone, channelList(channels))
	o := firstSendOptions
	o.Summary = summary
	var res activities.MilestoneResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, o), a.SendMilestone, n).Get(ctx, &res)
	if err != nil && !canceled(err) {
		err = workflow.ExecuteActivity(withOptions(ctx, notifyOptions, summary), a.SendMilestone, n).Get(ctx, &res)
	}
	if canceled(err) {
		return nil, false
	}
	var failures []string
	if err != nil {
		// A day of retries ran out with a channel still failing. The last attempt says which
		// channels had gone; without it (the attempt itself timed out) none counts as sent.
		var sent []order.Channel
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) && ae.Type() == activities.ChannelsPending {
			_ = ae.Details(&sent)
		}
		for _, ch := range channels {
			if !slices.Contains(sent, ch) {
				failures = append(failures, fmt.Sprintf("%s: not sent", ch))
			}
		}
		if len(failures) == len(channels) {
			failures[len(failures)-1] += " (" + rootMessage(err) + ")"
		}
		return failures, true
	}
	for _, ch := range channels {
		if why, ok := res.Refused[ch]; ok {
			failures = append(failures, fmt.Sprintf("%s: %s", ch, why))
		}
	}
	return failures, true
}

// sendPerChannel is how runs before compactHistory send: one SendNotification activity per
// channel, each retried on its own.
func (w *orderWorkflow) sendPerChannel(ctx workflow.Context, n notify.Request, channels []order.Channel) ([]string, bool) {
	sends := make([]workflow.Future, len(channels))
	for i, ch := range channels {
		one := n
		one.Channel = ch
		actx := withOptions(ctx, notifyOptions, fmt.Sprintf("notify %s via %s", n.Milestone, ch))
		sends[i] = workflow.ExecuteActivity(actx, a.SendNotification, one)
	}
	var failures []string
	for i, f := range sends {
		if err := f.Get(ctx, nil); err != nil {
			if canceled(err) {
				return nil, false
			}
			failures = append(failures, fmt.Sprintf("%s: %s", channels[i], rootMessage(err)))
		}
	}
	return failures, true
}

func channelList(cs []order.Channel) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// quietWindow is the customer's current or next quiet hours, as a run since compactHistory
// last asked for them (order.QuietHours.Window), in time zone tz.
type quietWindow struct {
	TZ         string
	Start, End time.Time
}

// quietWait is how long a non-urgent message due now waits for the customer's quiet hours.
// The answer reads the time zone database, so it is recorded (a SideEffect marker). Runs
// before compactHistory recorded one per message; since, a run records the window once and
// answers from it until it ends: one marker a day at most, not one per message.
func (w *orderWorkflow) quietWait(ctx workflow.Context, tz string) time.Duration {
	q, now := w.settings.QuietHours, workflow.Now(ctx)
	if !w.compact {
		var wait time.Duration
		_ = workflow.SideEffect(ctx, func(ctx workflow.Context) any { return q.Wait(workflow.Now(ctx), tz) }).Get(&wait)
		return wait
	}
	if q.Off() {
		return 0
	}
	if w.quiet == nil || w.quiet.TZ != tz || !now.Before(w.quiet.End) {
		var win quietWindow
		_ = workflow.SideEffect(ctx, func(workflow.Context) any {
			s, e := q.Window(now, tz)
			return quietWindow{TZ: tz, Start: s, End: e}
		}).Get(&win)
		w.quiet = &win
	}
	return order.QuietWait(now, w.quiet.Start, w.quiet.End)
}

// quietHoursRecheck marks the change from sending a message held for quiet hours whatever
// happened meanwhile to asking the lifecycle rules whether it is still worth sending, and to
// releasing it at once when the order is cancelled.
const quietHoursRecheck = "quiet-hours-recheck"

// holdForQuietHours waits out the customer's quiet hours for e and says whether the message
// has lost its point meanwhile (order.Superseded's reason, "" to send it). It returns false
// when the run ends under it. A cancelled order releases every held message at once, so the
// workflow completes now rather than in the morning; they are logged as superseded.
func (w *orderWorkflow) holdForQuietHours(ctx workflow.Context, e order.Notify, wait time.Duration) (string, bool) {
	summary := workflow.TimerOptions{Summary: "quiet hours: " + string(e.Milestone)}
	if !w.since(ctx, quietHoursRecheck) {
		return "", workflow.NewTimerWithOptions(ctx, wait, summary).Get(ctx, nil) == nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	t := workflow.NewTimerWithOptions(tctx, wait, summary)
	if err := workflow.Await(ctx, func() bool { return t.IsReady() || w.closing() }); err != nil {
		return "", false
	}
	return w.state.Superseded(e), true
}

// notifyAllChannels is the Notify effect as runs recorded before notifyPerChannel carry it out.
func (w *orderWorkflow) notifyAllChannels(ctx workflow.Context, e order.Notify) {
	n := w.notification(e)
	n.Channels = slices.Clone(w.state.Notify)
	w.spawn(ctx, func(ctx workflow.Context) {
		ctx = withOptions(ctx, notifyOptions, fmt.Sprintf("notify %s %s", e.Milestone, e.ShipmentID))
		err := workflow.ExecuteActivity(ctx, a.Notify, n).Get(ctx, nil)
		if err != nil && !canceled(err) {
			w.logger.Error("notification failed", "milestone", e.Milestone, "shipment_id", e.ShipmentID, "error", err)
			w.changed(ctx, w.state.NotificationFailed(e.Milestone, e.ShipmentID, "", rootMessage(err), workflow.Now(ctx)))
		}
	})
}

// notification is what a message about e may say, taken from the order now.
func (w *orderWorkflow) notification(e order.Notify) notify.Request {
	o := &w.state
	names := map[string]string{}
	for _, it := range o.Items {
		names[it.SKU] = it.Name
	}
	n := notify.Request{OrderID: o.ID, Milestone: e.Milestone, ShipmentID: e.ShipmentID, Customer: o.Customer}
	for _, s := range o.Shipments {
		sum := notify.Shipment{ID: s.ID, Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Status: s.Status, ETA: s.EstimatedDelivery}
		for _, sku := range s.Items {
			if name := names[sku]; name != "" {
				sum.Items = append(sum.Items, name)
			} else {
				sum.Items = append(sum.Items, sku)
			}
		}
		if s.LastLocation != nil {
			sum.City = s.LastLocation.City
		}
		n.Shipments = append(n.Shipments, sum)
	}
	if x := o.Exception; x != nil && e.Milestone == order.MilestoneDelayed {
		if x.Reason == order.ReasonDriverDelay {
			// The message holds a caller's words: the customer gets the reason's sentence.
			n.DelayReason = x.DelayReason
			if n.DelayReason == "" {
				n.DelayReason = order.DelayOther
			}
		} else {
			n.Reason = x.Message
		}
	}
	return n
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
		in.SLA = 24 * time.Hour
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

// eventData is the order as subscribers see it in an event: the view without its timeline,
// which would make every event as large as the order's whole history, and under "event" what
// this event says beyond the view (the exception it raised, the message that failed, the
// driver's report).
func (w *orderWorkflow) eventData(detail *order.EventDetail) json.RawMessage {
	b, err := json.Marshal(struct {
		order.View
		Event *order.EventDetail `json:"event,omitempty"`
	}{w.state.Summary(), detail})
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
