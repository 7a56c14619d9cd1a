package workflows

import (
	"cmp"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/order"
)

// detectTrouble raises the exceptions nobody reports: a shipment in transit that has said
// nothing for StaleAfter, and one not delivered LateGrace after its ETA (or the order's
// promised date). It sleeps until the next such deadline, waking early when the order changes.
func (w *orderWorkflow) detectTrouble(ctx workflow.Context) {
	raised := map[string]bool{} // reason/shipment/deadline already raised
	var alarm alarm
	for !w.stopping {
		now := workflow.Now(ctx)
		next := time.Time{}
		for _, s := range w.state.Shipments {
			for _, c := range w.deadlines(s) {
				key := fmt.Sprintf("%s/%s/%d", c.reason, s.ID, c.at.Unix())
				switch {
				case raised[key]:
				case !now.Before(c.at):
					raised[key] = true
					fx, err := w.state.Raise(order.Exception{Reason: c.reason, ShipmentID: s.ID, Message: c.message, RaisedAt: now, Source: "system"})
					if err == nil && len(fx) > 0 {
						w.changed(ctx, fx)
					}
				case next.IsZero() || c.at.Before(next):
					next = c.at
				}
			}
		}
		rev := w.revision
		cond := func() bool { return w.revision != rev || w.stopping }
		if w.compact {
			if err := alarm.wait(ctx, next, cond); err != nil {
				return
			}
			continue
		}
		if next.IsZero() {
			if err := workflow.Await(ctx, cond); err != nil {
				return
			}
			continue
		}
		if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout: next.Sub(now), TimerOptions: workflow.TimerOptions{Summary: "next stale/late check"},
		}, cond); err != nil {
			return
		}
	}
}

type deadline struct {
	reason  order.ExceptionReason
	at      time.Time
	message string
}

// deadlines are when shipment s becomes stale or late, if it can.
func (w *orderWorkflow) deadlines(s order.Shipment) []deadline {
	if s.Status.Final() || w.state.CancelledAt != nil || s.Return {
		return nil
	}
	var ds []deadline
	if st := w.settings.StaleAfter; st > 0 && (s.Status == order.ShipmentInTransit || s.Status == order.ShipmentInfoReceived) {
		last := s.ShippedAt
		if s.LastEventAt != nil {
			last = *s.LastEventAt
		}
		ds = append(ds, deadline{order.ReasonStale, last.Add(st),
			fmt.Sprintf("no carrier update since %s", last.Format(time.RFC3339))})
	}
	due := s.EstimatedDelivery
	if due == nil {
		due = w.state.PromisedDelivery
	}
	g := w.settings.LateGrace
	switch {
	case g <= 0 || due == nil:
	case w.settings.LateFromDayEnd:
		what := "the promised date"
		if s.EstimatedDelivery != nil {
			what = cmp.Or(s.ETASource.Said(), "the estimated delivery")
		}
		when := "by " + due.Format(time.RFC3339)
		if end := order.Due(*due); !end.Equal(*due) {
			when = "on " + due.UTC().Format(time.DateOnly)
		}
		ds = append(ds, deadline{order.ReasonLate, order.Due(*due).Add(g), fmt.Sprintf("not delivered %s, %s", when, what)})
	default:
		ds = append(ds, deadline{order.ReasonLate, due.Add(g),
			fmt.Sprintf("not delivered by %s, the estimated delivery", due.Format(time.RFC3339))})
	}
	return ds
}

// alarm is detectTrouble's one timer in runs since compactHistory. Before, every change of the
// order started a new timer and cancelled the last (two history events a change, mostly to
// move a 48-hour stale deadline by minutes). Deadlines mostly move later (each scan pushes the
// stale one), so a timer already set for an earlier moment is kept: it fires early, the
// deadlines are checked, and a new one is set for what remains.
type alarm struct {
	at     time.Time
	timer  workflow.Future
	cancel workflow.CancelFunc
}

// wait blocks until cond, or until next (zero: no deadline) has come.
func (a *alarm) wait(ctx workflow.Context, next time.Time, cond func() bool) error {
	switch {
	case next.IsZero():
		a.stop()
	case a.timer == nil || next.Before(a.at):
		a.stop()
		tctx, cancel := workflow.WithCancel(ctx)
		a.at, a.cancel = next, cancel
		a.timer = workflow.NewTimerWithOptions(tctx, next.Sub(workflow.Now(ctx)), workflow.TimerOptions{Summary: "next stale/late check"})
	}
	err := workflow.Await(ctx, func() bool { return cond() || (a.timer != nil && a.timer.IsReady()) })
	if a.timer != nil && a.timer.IsReady() {
		a.timer, a.cancel = nil, nil
	}
	return err
}

func (a *alarm) stop() {
	if a.cancel != nil {
		a.cancel()
	}
	a.timer, a.cancel = nil, nil
}
