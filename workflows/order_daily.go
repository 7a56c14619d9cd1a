package workflows

// Daily updates (issue 20): the workflow keeps the clock, package order says whether the day's
// update is due. Only runs at dailyVersion do either.

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/order"
)

// dailyClock is when the next daily update is due and the customer-local day it is for, as a
// run recorded it (order.NextDaily reads the time zone database).
type dailyClock struct {
	At  time.Time `json:"at"`
	Day order.Day `json:"day"`
}

// keepDaily keeps the daily update's clock. While the customer wants daily updates and a
// parcel is moving, it sets one timer to the next customer-local update hour; when it fires,
// the rule (order.Order.DailyUpdate) says whether the update is due (nothing else was said
// that day) and the Notify goes the normal way: quiet hours, channels, the log, once. A day
// costs one SideEffect marker and one timer; an order that opted out, whose rule is off (the
// zero OrderSettings.Daily) or with nothing on its way sets none. The timer is cancelled when
// the customer opts out, the journey ends or the run ends; a continued run sets its own.
func (w *orderWorkflow) keepDaily(ctx workflow.Context) {
	rule := w.settings.Daily
	for {
		err := workflow.Await(ctx, func() bool {
			return w.stopping || (w.state.WantsDaily(rule) && len(w.state.Moving()) > 0)
		})
		if err != nil || w.stopping {
			return
		}
		next := w.nextDaily(ctx)
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(tctx, next.At.Sub(workflow.Now(ctx)), workflow.TimerOptions{Summary: "daily update " + next.Day.Date})
		err = workflow.Await(ctx, func() bool {
			return timer.IsReady() || w.stopping || !w.state.WantsDaily(rule) || w.state.Final() || w.closing()
		})
		cancel()
		if err != nil || w.stopping {
			return
		}
		if !timer.IsReady() {
			continue // opted out, or the journey is over: wait to be wanted again
		}
		if why := w.state.DailyDue(next.Day, rule); why != "" {
			w.logger.Debug("no daily update", "day", next.Day.Date, "why", why)
			continue
		}
		w.changed(ctx, w.state.DailyUpdate(next.Day, rule))
	}
}

// nextDaily asks order.NextDaily when the next update is due, in a SideEffect: the answer
// reads the worker's time zone database, which a replay on another worker must not re-read.
func (w *orderWorkflow) nextDaily(ctx workflow.Context) dailyClock {
	now, tz, hour := workflow.Now(ctx), w.state.Customer.TimeZone, w.settings.Daily.Hour
	var c dailyClock
	_ = workflow.SideEffect(ctx, func(workflow.Context) any {
		at, day := order.NextDaily(now, tz, hour)
		return dailyClock{At: at, Day: day}
	}).Get(&c)
	return c
}
