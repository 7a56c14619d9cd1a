package workflows

// A Notify effect: the customer's messages for a milestone, held for their quiet hours when not
// urgent, sent on each of their channels, and notification.failed when every channel failed.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

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
		if !w.urgent(e.Milestone) {
			if wait := w.quietWait(ctx, tz); wait > 0 {
				var ok bool
				if superseded, ok = w.holdForQuietHours(ctx, e, wait); !ok {
					return
				}
			}
		}
		n.Superseded = superseded
		if w.journey {
			n.Customer = w.state.Customer // a contact change while the message waited reaches it
		}
		send := w.sendPerChannel
		if w.compact {
			send = w.sendMilestone
		}
		failures, ok := send(ctx, n, channels)
		if w.daily && ok && superseded == "" && len(failures) < len(channels) {
			w.state.Sent(e, workflow.Now(ctx)) // what "nothing else was said that day" reads
		}
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
		// A refused channel whose milestone went on another channel (channel fallback) reached
		// the customer: only one that reached nobody is a failure.
		if why, ok := res.Refused[ch]; ok && res.FellBack[ch] == "" {
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

// urgent reports whether m goes at any hour in this run: the cancellation became urgent at
// cancelVersion, and runs before it hold it for the quiet hours as they did.
func (w *orderWorkflow) urgent(m order.Milestone) bool {
	return m.Urgent() && (w.cancelAtOnce || m != order.MilestoneCancelled)
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
// workflow completes now rather than in the morning; they are logged as superseded. (Since
// cancelVersion the cancellation itself is never held; runs between journeyVersion and it
// held it for the night and completed after it.)
func (w *orderWorkflow) holdForQuietHours(ctx workflow.Context, e order.Notify, wait time.Duration) (string, bool) {
	summary := workflow.TimerOptions{Summary: "quiet hours: " + string(e.Milestone)}
	if !w.since(ctx, quietHoursRecheck) {
		return "", workflow.NewTimerWithOptions(ctx, wait, summary).Get(ctx, nil) == nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	t := workflow.NewTimerWithOptions(tctx, wait, summary)
	// In runs before cancelVersion the cancellation message itself waits out the night.
	release := e.Milestone != order.MilestoneCancelled
	if err := workflow.Await(ctx, func() bool { return t.IsReady() || (release && w.closing()) }); err != nil {
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
	n := notify.Request{OrderID: o.ID, Milestone: e.Milestone, ShipmentID: e.ShipmentID, Customer: o.Customer, Day: e.Day}
	if e.Refund > 0 && e.Refund <= len(o.Refunds) {
		r := o.Refunds[e.Refund-1]
		n.Refund = &notify.Refund{N: e.Refund, Amount: r.Amount, Currency: r.Currency}
	}
	aboutReturn := slices.ContainsFunc(o.Shipments, func(s order.Shipment) bool { return s.Return && s.ID == e.ShipmentID })
	var moving []string
	if e.Milestone == order.MilestoneDailyUpdate {
		moving = o.Moving()
	}
	for _, s := range o.Shipments {
		if s.Return != aboutReturn || (aboutReturn && s.ID != e.ShipmentID) {
			continue // a return's message tells of its parcel alone, no other of the parcel going back
		}
		if e.Milestone == order.MilestoneDailyUpdate && !slices.Contains(moving, s.ID) {
			continue // the daily update tells of the parcels on their way
		}
		sum := notify.Shipment{ID: s.ID, Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Status: s.Status, ETA: s.EstimatedDelivery, ETASource: s.ETASource}
		if p := s.Proof; p != nil {
			sum.Place = p.Place
		}
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
