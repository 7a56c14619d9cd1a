package workflows_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/workflows"
)

// carrier stands in for a tracking API: it reveals a scripted journey one step per poll after
// the first `quiet` polls, so a test decides how many polls bring news.
type carrier struct {
	mu      sync.Mutex
	journey []order.ShipmentStatus
	quiet   int // polls answered with nothing new before the journey starts moving
	// stepAt, when set, is the poll at which each step of the journey appears instead.
	stepAt []int
	polls  int
	start  time.Time
}

func (c *carrier) Track(_ context.Context, name, tn string) (track.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.polls++
	var res track.Result
	steps := min(max(c.polls-c.quiet, 0), len(c.journey))
	if c.stepAt != nil {
		steps = 0
		for _, at := range c.stepAt {
			if c.polls >= at {
				steps++
			}
		}
	}
	for i, st := range c.journey[:steps] {
		res.Events = append(res.Events, order.TrackingEvent{
			ID: fmt.Sprintf("%s-%d", tn, i), Source: "poll", Carrier: name, TrackingNumber: tn, Status: st,
			Description: string(st), OccurredAt: c.start.Add(time.Duration(i+1) * time.Minute),
		})
	}
	return res, nil
}

func (c *carrier) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.polls
}

// watchedRun is a run whose order polls c, with the deployment's default timings.
func watchedRun(t *testing.T, c *carrier) (*run, *[]time.Time) {
	r := newRunWith(t, c)
	r.settings.PollInterval = 30 * time.Minute
	r.settings.StaleAfter = 48 * time.Hour
	r.settings.LateGrace = 12 * time.Hour
	r.settings.EscalationSLA = 24 * time.Hour
	var mu sync.Mutex
	polls := &[]time.Time{}
	r.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "PollShipment" {
			mu.Lock()
			*polls = append(*polls, r.env.Now())
			mu.Unlock()
		}
	})
	return r, polls
}

func TestPollingUntilDeliveredThenStops(t *testing.T) {
	c := &carrier{journey: []order.ShipmentStatus{order.ShipmentInTransit, order.ShipmentOutForDelivery, order.ShipmentDelivered}, quiet: 4, start: t0}
	r, _ := watchedRun(t, c)
	r.commerce(1*minute, r.shipped(1*minute, "S1", "TN1", 5*day))
	var atDelivery int
	r.at(2*day, func() {
		if v := r.query(); v.Status != order.StatusDelivered {
			t.Errorf("after two days of polling: %s", v.Status)
		}
		atDelivery = c.count()
	})
	r.at(4*day, func() {
		if n := c.count(); n != atDelivery {
			t.Errorf("polled %d more times after delivery", n-atDelivery)
		}
		r.env.CancelWorkflow()
	})
	r.start()
	if atDelivery < 7 {
		t.Errorf("delivered after %d polls, want at least quiet+3", atDelivery)
	}
	r.ch.wantAnyOrder(t, "shipped/S1", "out_for_delivery/S1", "delivered/S1", "review_request/")
}

func TestWebhookUpdatePostponesTheNextPoll(t *testing.T) {
	c := &carrier{journey: []order.ShipmentStatus{order.ShipmentInTransit}, quiet: 1000, start: t0}
	r, polls := watchedRun(t, c)
	r.commerce(1*minute, r.shipped(1*minute, "S1", "TN1", 5*day))
	r.scan(50*minute, tracking("hook", "TN1", order.ShipmentInTransit, 45*minute)) // a webhook between polls
	r.at(3*hour, r.env.CancelWorkflow)
	r.start()
	// Polls at 1m (start), 31m, then the webhook at 50m restarts the clock: 80m, 110m, ...
	// The webhook itself is news enough; nobody asks the carrier at 50m.
	var after []time.Duration
	for _, p := range *polls {
		after = append(after, p.Sub(t0))
	}
	for i, p := range after {
		if p > 31*minute && p < 80*minute {
			t.Errorf("poll %d at %s, between the old schedule and an interval after the webhook (%v)", i, p, after)
		}
		if p > 50*minute && (p-50*minute)%(30*minute) != 0 {
			t.Errorf("poll %d at %s: not on the 30-minute clock restarted by the webhook at 50m (%v)", i, p, after)
		}
	}
	if !slices.Contains(after, 80*minute) {
		t.Errorf("polls at %v, want one at 80m", after)
	}
}

func TestStaleShipmentRaisesAnException(t *testing.T) {
	c := &carrier{journey: []order.ShipmentStatus{order.ShipmentInTransit}, quiet: 0, start: t0}
	r, _ := watchedRun(t, c)
	r.commerce(1*minute, r.shipped(1*minute, "S1", "TN1", 10*day))
	r.at(47*hour, func() {
		if v := r.query(); v.Exception != nil {
			t.Errorf("exception before the shipment went stale: %+v", v.Exception)
		}
	})
	r.at(49*hour+minute, func() {
		v := r.query()
		if v.Status != order.StatusException || v.Exception == nil || v.Exception.Reason != order.ReasonStale {
			t.Errorf("after 48h without news: %s, %+v", v.Status, v.Exception)
		}
		r.env.CancelWorkflow()
	})
	r.start()
	r.ch.want(t, "shipped/S1", "delayed/S1")
}

func TestExceptionEscalatesAfterTheSLAThenClosesWithTheTicketUpdated(t *testing.T) {
	c := &carrier{journey: []order.ShipmentStatus{order.ShipmentInTransit}, quiet: 0, start: t0}
	r, _ := watchedRun(t, c)
	r.settings.AlertChannels, r.settings.Tickets = []string{"chat"}, true
	r.commerce(1*minute, r.shipped(1*minute, "S1", "TN1", 10*day))
	r.scan(1*hour, tracking("x", "TN1", order.ShipmentException, 1*hour))
	r.at(26*hour, func() { // past the 24h SLA
		r.staff.mu.Lock()
		defer r.staff.mu.Unlock()
		if n := len(r.staff.alerts); n != 2 || r.staff.alerts[1].Level != 2 {
			t.Errorf("after the SLA: alerts %+v, want a level-2 alert", r.staff.alerts)
		}
		if u := r.staff.tickets[r.orderID]; len(u) != 2 || u[1].Priority != "high" {
			t.Errorf("after the SLA: ticket %+v, want priority raised to high", u)
		}
		r.env.UpdateWorkflow(workflows.ResolveExceptionUpdate, "staff", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("resolve: %v", err) }, OnComplete: func(any, error) {},
		}, workflows.ResolveRequest{Note: "parcel found at the depot", By: "ops"})
	})
	r.at(27*hour, func() {
		r.staff.mu.Lock()
		defer r.staff.mu.Unlock()
		last := r.staff.alerts[len(r.staff.alerts)-1]
		if !last.Resolved || last.Resolution != order.ResolvedByStaff {
			t.Errorf("last alert %+v, want the resolution", last)
		}
		u := r.staff.tickets[r.orderID]
		if r.staff.opened != 1 || u[len(u)-1].Status != "solved" {
			t.Errorf("ticket %+v, opened %d times", u, r.staff.opened)
		}
		r.env.CancelWorkflow()
	})
	r.start()
}

func TestMissedETARaisesALateException(t *testing.T) {
	c := &carrier{journey: []order.ShipmentStatus{order.ShipmentInTransit}, quiet: 0, start: t0}
	r, _ := watchedRun(t, c)
	r.settings.StaleAfter = 30 * day // only lateness here
	r.commerce(1*minute, r.shipped(1*minute, "S1", "TN1", 2*day))
	r.at(2*day+11*hour, func() {
		if v := r.query(); v.Exception != nil {
			t.Errorf("late before the grace passed: %+v", v.Exception)
		}
	})
	r.at(2*day+13*hour, func() {
		if v := r.query(); v.Exception == nil || v.Exception.Reason != order.ReasonLate {
			t.Errorf("12h after the ETA: %+v", v.Exception)
		}
		r.env.CancelWorkflow()
	})
	r.start()
}
