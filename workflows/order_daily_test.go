package workflows_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// dailyRun is a run offering daily updates by default at 18:00 customer-local, with the
// default quiet hours (21:00-08:00). The test customer is in Vilnius (EEST, UTC+3, in May), so
// 18:00 is 15:00 UTC; t0 is 13:00 local on Thursday 7 May.
func dailyRun(t *testing.T) *run {
	r := newRun(t)
	r.settings.QuietHours = order.QuietHours{Start: 21 * 60, End: 8 * 60}
	r.settings.Daily = order.Daily{Offered: true, Default: true, Hour: 18}
	return r
}

// dailyTimers records the timers a run starts whose fire time is the update hour (15:00 UTC),
// and those cancelled, by the workflow clock.
type dailyTimers struct {
	mu        sync.Mutex
	ids       map[string]time.Time // fire time by timer id
	scheduled []time.Time          // fire times, in order
	cancelled []time.Time          // fire times of the cancelled ones
}

func watchDailyTimers(r *run) *dailyTimers {
	d := &dailyTimers{ids: map[string]time.Time{}}
	r.env.SetOnTimerScheduledListener(func(id string, wait time.Duration) {
		at := r.env.Now().UTC().Add(wait).Truncate(time.Second)
		if at.Hour() != 15 || at.Minute() != 0 {
			return // quiet hours, the review request
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.ids[id] = at
		d.scheduled = append(d.scheduled, at)
	})
	r.env.SetOnTimerCanceledListener(func(id string) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if at, ok := d.ids[id]; ok {
			d.cancelled = append(d.cancelled, at)
		}
	})
	return d
}

// TestDailyUpdates: day 1 in transit with nothing said, the update goes at 18:00 local and
// tells of the parcel, where it was last seen and the day it is for; day 2 the parcel went out
// for delivery in the morning, which was said, so no update; day 3 it is delivered before the
// hour and the timer is cancelled: no timer after delivery, and the order finishes.
func TestDailyUpdates(t *testing.T) {
	r := dailyRun(t)
	timers := watchDailyTimers(r)
	r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN1", 72*time.Hour)) // shipped is said on the 7th
	r.scan(20*time.Hour, tracking("t1", "TN1", order.ShipmentInTransit, 20*time.Hour))
	hour := 29 * time.Hour // 8 May 18:00 local
	r.at(hour-time.Minute, func() { r.ch.want(t, "shipped/S1") })
	r.at(hour+time.Minute, func() { r.ch.want(t, "shipped/S1", "daily_update/") })
	r.scan(45*time.Hour, tracking("t2", "TN1", order.ShipmentOutForDelivery, 45*time.Hour)) // 9 May 10:00 local
	r.at(53*time.Hour+time.Minute, func() { r.ch.want(t, "shipped/S1", "daily_update/", "out_for_delivery/S1") })
	r.scan(70*time.Hour, tracking("t3", "TN1", order.ShipmentDelivered, 70*time.Hour)) // 10 May 11:00 local
	r.start()
	r.completed()
	r.ch.want(t, "shipped/S1", "daily_update/", "out_for_delivery/S1", "delivered/S1", "review_request/")
	for _, n := range r.ch.sends {
		if n.Milestone != order.MilestoneDailyUpdate {
			continue
		}
		if n.Day != "2026-05-08" || len(n.Shipments) != 1 || n.Shipments[0].City != "Kaunas" || n.Shipments[0].Status != order.ShipmentInTransit || n.Shipments[0].ETA == nil {
			t.Errorf("daily update %+v", n)
		}
	}
	day := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := []time.Time{day("2026-05-08T15:00:00Z"), day("2026-05-09T15:00:00Z"), day("2026-05-10T15:00:00Z")}
	if !slices.EqualFunc(timers.scheduled, want, time.Time.Equal) {
		t.Errorf("daily timers %v, want %v (none before the parcel moved, none after delivery)", timers.scheduled, want)
	}
	if !slices.EqualFunc(timers.cancelled, want[2:], time.Time.Equal) {
		t.Errorf("cancelled daily timers %v, want the one after delivery", timers.cancelled)
	}
}

// TestDailyUpdatesOptOut: a customer who said no in order.created gets no update and costs no
// timer; one who switches them off with set_notification_channels (the channels left as they
// are) has the day's timer cancelled.
func TestDailyUpdatesOptOut(t *testing.T) {
	t.Run("in order.created", func(t *testing.T) {
		r := dailyRun(t)
		timers := watchDailyTimers(r)
		no := false
		r.createdWith = func(e *order.CommerceEvent) { e.DailyUpdates = &no }
		r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN1", 72*time.Hour))
		r.scan(20*time.Hour, tracking("t1", "TN1", order.ShipmentInTransit, 20*time.Hour))
		r.scan(70*time.Hour, tracking("t3", "TN1", order.ShipmentDelivered, 70*time.Hour))
		r.start()
		r.completed()
		r.ch.want(t, "shipped/S1", "delivered/S1", "review_request/")
		if len(timers.scheduled) != 0 {
			t.Errorf("daily timers %v for a customer who said no", timers.scheduled)
		}
	})
	t.Run("by update", func(t *testing.T) {
		r := dailyRun(t)
		timers := watchDailyTimers(r)
		r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN1", 72*time.Hour))
		r.scan(20*time.Hour, tracking("t1", "TN1", order.ShipmentInTransit, 20*time.Hour))
		r.at(22*time.Hour, func() {
			off := false
			r.env.UpdateWorkflow(workflows.SetChannelsUpdate, "daily-off", &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("rejected: %v", err) },
				OnComplete: func(res any, err error) {
					got, _ := res.(workflows.UpdateResult)
					if err != nil || got.DailyUpdates == nil || *got.DailyUpdates || !slices.Equal(got.Channels, []order.Channel{order.ChannelSMS}) {
						t.Errorf("daily updates off: %+v, %v", res, err)
					}
				},
			}, workflows.ChannelsRequest{DailyUpdates: &off})
		})
		r.at(23*time.Hour, func() {
			v := r.query()
			if v.Notify.DailyUpdates == nil || *v.Notify.DailyUpdates {
				t.Errorf("view's notify %+v", v.Notify)
			}
		})
		r.scan(70*time.Hour, tracking("t3", "TN1", order.ShipmentDelivered, 70*time.Hour))
		r.start()
		r.completed()
		r.ch.want(t, "shipped/S1", "delivered/S1", "review_request/")
		if len(timers.scheduled) != 1 || len(timers.cancelled) != 1 {
			t.Errorf("daily timers %v, cancelled %v: want the first cancelled by the opt-out", timers.scheduled, timers.cancelled)
		}
	})
}

// TestDailyUpdatesOffByDefault: under the zero OrderSettings.Daily, as orders started before
// daily updates run, nothing changes: no timer, no update, whatever the customer asked.
func TestDailyUpdatesOffByDefault(t *testing.T) {
	r := newRun(t)
	timers := watchDailyTimers(r)
	yes := true
	r.createdWith = func(e *order.CommerceEvent) { e.DailyUpdates = &yes }
	r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN1", 72*time.Hour))
	r.scan(20*time.Hour, tracking("t1", "TN1", order.ShipmentInTransit, 20*time.Hour))
	r.scan(70*time.Hour, tracking("t3", "TN1", order.ShipmentDelivered, 70*time.Hour))
	r.start()
	r.completed()
	r.ch.want(t, "shipped/S1", "delivered/S1", "review_request/")
	if len(timers.scheduled) != 0 {
		t.Errorf("daily timers %v with daily updates off", timers.scheduled)
	}
}
