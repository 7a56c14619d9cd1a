package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/order"
)

// carrierWatch marks the change that made the order workflow poll carriers and detect stale
// and late shipments; runs recorded before it neither poll nor detect.
const carrierWatch = "carrier-watch"

// pollAfterNews marks the change that made a poll restarted by news wait its interval before
// asking the carrier. Before it, every webhook scan cancelled the shipment's poll and started
// another that asked the carrier at once, only to hear nothing new: a carrier request, an
// activity task and a workflow task per scan, spent against the carrier's rate limit and the
// engine's capacity. Now a restart moves a timer, which costs neither.
const pollAfterNews = "poll-after-news"

// poller is one shipment's poll in flight.
type poller struct {
	future   workflow.Future
	cancel   workflow.CancelFunc
	since    *time.Time // the shipment's newest scan when the poll started
	interval time.Duration
	waiting  bool // in the wait before asking the carrier, which news need not restart
}

// watching reports whether this run polls and detects (see carrierWatch).
func (w *orderWorkflow) watching(ctx workflow.Context) bool {
	return w.since(ctx, carrierWatch) && w.settings.PollInterval > 0
}

// pollCarriers keeps one poll in flight for every shipment still on its way: Temporal's
// recommended pattern for infrequent polling is an activity whose retry policy waits the
// interval between attempts ("no news" is a retryable failure). Attempts leave no trace in
// the history, so the history grows with the parcel's real changes, not with the polls. A
// webhook scan restarts the shipment's poll, so the next one comes an interval after the
// freshest news; a final status stops it.
func (w *orderWorkflow) pollCarriers(ctx workflow.Context) {
	w.pollers = map[string]*poller{}
	w.waitAfterNews = w.since(ctx, pollAfterNews)
	for {
		for _, s := range w.state.Shipments {
			w.reconcilePoll(ctx, s)
		}
		rev := w.revision
		err := workflow.Await(ctx, func() bool { return w.revision != rev || w.pollDone() != "" || w.stopping })
		if err != nil || w.stopping {
			w.stopPolls()
			return
		}
		if id := w.pollDone(); id != "" {
			w.takePoll(ctx, id)
		}
	}
}

// reconcilePoll starts, restarts or stops the poll of shipment s.
func (w *orderWorkflow) reconcilePoll(ctx workflow.Context, s order.Shipment) {
	p := w.pollers[s.ID]
	want := !s.Status.Final() && w.state.CancelledAt == nil && !w.awaitsRegistration(s)
	interval := w.settings.PollInterval
	if s.Status == order.ShipmentOutForDelivery {
		interval = max(interval/6, min(interval, time.Minute)) // every 5 minutes at the default 30
	}
	if p != nil && (!want || p.interval != interval || w.restartOnNews(p, s)) {
		p.cancel()
		delete(w.pollers, s.ID)
		p = nil
	}
	if !want || p != nil {
		return
	}
	pctx, cancel := workflow.WithCancel(ctx)
	pctx = withOptions(pctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: interval, BackoffCoefficient: 1, MaximumInterval: interval},
	}, fmt.Sprintf("poll %s %s every %s", s.Carrier, s.TrackingNumber, interval))
	req := w.pollRequest(s, interval)
	p = &poller{cancel: cancel, since: s.LastEventAt, interval: interval}
	if w.waitAfterNews && s.LastEventAt != nil {
		// The shipment has news (a webhook scan, or this poll's own): ask again an interval
		// after it. A shipment without scans yet is asked at once, for its first.
		f, set := workflow.NewFuture(pctx)
		workflow.Go(pctx, func(ctx workflow.Context) {
			wait := interval
			for {
				t := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{Summary: "next poll of " + s.TrackingNumber})
				if err := t.Get(ctx, nil); err != nil {
					set.Set(nil, err) // cancelled: the shipment changed again, or the run ends
					return
				}
				if !w.compact {
					break
				}
				// News that came during the wait moves the poll to an interval after it.
				now, last := workflow.Now(ctx), w.shipment(s.ID)
				if last.LastEventAt == nil || !last.LastEventAt.Add(interval).After(now) {
					req = w.pollRequest(last, interval)
					break
				}
				wait = last.LastEventAt.Add(interval).Sub(now)
			}
			p.waiting = false
			set.Chain(workflow.ExecuteActivity(ctx, a.PollShipment, req))
		})
		p.future, p.waiting = f, true
	} else {
		p.future = workflow.ExecuteActivity(pctx, a.PollShipment, req)
	}
	w.pollers[s.ID] = p
}

// restartOnNews reports whether news of shipment s restarts its poll p. Before compactHistory
// every scan did, cancelling the wait's timer and starting another (two history events a
// scan); since, a poll still waiting keeps its timer, and when it runs out waits on for what
// the news left of the interval. A poll already asking the carrier restarts, as its request
// predates the news.
func (w *orderWorkflow) restartOnNews(p *poller, s order.Shipment) bool {
	return !sameTime(p.since, s.LastEventAt) && !(w.compact && p.waiting)
}

func (w *orderWorkflow) pollRequest(s order.Shipment, interval time.Duration) activities.PollRequest {
	r := activities.PollRequest{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, After: s.LastEventAt, Interval: interval, Seen: w.recentScans(s.ID)}
	if reg := s.Registration; reg != nil && reg.Status == order.RegistrationRegistered {
		r.Provider, r.ProviderCarrier = reg.Provider, reg.CarrierCode
	}
	return r
}

// shipment is the order's shipment id as it is now.
func (w *orderWorkflow) shipment(id string) order.Shipment {
	for _, s := range w.state.Shipments {
		if s.ID == id {
			return s
		}
	}
	return order.Shipment{ID: id}
}

func (w *orderWorkflow) pollDone() string {
	for _, s := range w.state.Shipments { // slice order, not map order: replay must pick the same one
		if p := w.pollers[s.ID]; p != nil && p.future.IsReady() {
			return s.ID
		}
	}
	return ""
}

// takePoll applies a finished poll's news; a poll that failed for good (unknown tracking
// number, rejected key) is logged and not restarted until the shipment changes.
func (w *orderWorkflow) takePoll(ctx workflow.Context, id string) {
	p := w.pollers[id]
	var res activities.PollResult
	err := p.future.Get(ctx, &res)
	delete(w.pollers, id)
	if err != nil {
		if !canceled(err) {
			w.logger.Warn("carrier polling stopped for shipment", "shipment_id", id, "error", err)
			w.pollers[id] = &poller{future: never(ctx), cancel: func() {}, since: p.since, interval: p.interval}
		}
		return
	}
	for _, e := range res.Events {
		if e.EstimatedDelivery == nil && res.ETA != nil {
			e.EstimatedDelivery = res.ETA
		}
		w.onTracking(ctx, e)
	}
}

// never is a future that is never ready: a parked poll that waits for the shipment to change.
func never(ctx workflow.Context) workflow.Future {
	f, _ := workflow.NewFuture(ctx)
	return f
}

func (w *orderWorkflow) stopPolls() {
	for id, p := range w.pollers {
		p.cancel()
		delete(w.pollers, id)
	}
}

// recentScans are the ids of the shipment's latest scans, so a poll reports only news.
func (w *orderWorkflow) recentScans(shipmentID string) []string {
	var ids []string
	for i := len(w.state.Timeline) - 1; i >= 0 && len(ids) < 20; i-- {
		if e := w.state.Timeline[i]; e.ShipmentID == shipmentID && e.Kind == order.KindTracking && e.EventID != "" {
			ids = append(ids, e.EventID)
		}
	}
	return ids
}

func sameTime(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}
