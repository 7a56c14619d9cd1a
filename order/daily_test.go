package order_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

// daily is the rule as a deployment offering daily updates by default at 18:00 sets it.
var daily = order.Daily{Offered: true, Default: true, Hour: 18}

// vilniusDay is the customer-local day of instant t in Europe/Vilnius (the test customer's
// zone), as NextDaily gives it for the update due that day.
func vilniusDay(t *testing.T, at time.Time) order.Day {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Vilnius")
	if err != nil {
		t.Fatal(err)
	}
	l := at.In(loc)
	_, day := order.NextDaily(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).Add(-time.Second), "Europe/Vilnius", 18)
	return day
}

func TestDailyUpdateDue(t *testing.T) {
	moving := with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10))
	today := vilniusDay(t, at(0)) // 2026-05-07 in Vilnius
	no, yes := false, true
	tests := []struct {
		name  string
		steps []step
		rule  order.Daily
		told  *time.Time // a message that left at this time
		want  string     // DailyDue's reason; "" when due
	}{
		{"in transit, nothing said today", moving, daily, nil, ""},
		{"out for delivery", with(moving, s("t2", "S1", order.ShipmentOutForDelivery, 20)), daily, nil, ""},
		{"after a failed attempt", with(moving, s("t2", "S1", order.ShipmentAttemptFailed, 20)), daily, nil, ""},
		{"said today in the customer's zone", moving, daily, ptime(time.Date(2026, 5, 6, 21, 30, 0, 0, time.UTC)), "said that day"}, // 00:30 on the 7th in Vilnius
		{"said yesterday in the customer's zone", moving, daily, ptime(time.Date(2026, 5, 6, 20, 30, 0, 0, time.UTC)), ""},          // 23:30 on the 6th in Vilnius, though the 6th only in UTC
		{"delivered", with(moving, s("t2", "S1", order.ShipmentDelivered, 20)), daily, nil, "no parcel moving"},
		{"only a label", shipped(), daily, nil, "no parcel moving"},
		{"waiting at a pickup point", with(moving, s("t2", "S1", order.ShipmentAvailableForPickup, 20)), daily, nil, "no parcel moving"},
		{"a problem", with(moving, s("t2", "S1", order.ShipmentException, 20)), daily, nil, "no parcel moving"},
		{"cancelled", with(moving, c("e9", order.EventCancelled, 20)), daily, nil, "no parcel moving"},
		{"merchant default off", moving, order.Daily{Offered: true, Hour: 18}, nil, "not wanted"},
		{"not offered (orders started before)", moving, order.Daily{}, nil, "not wanted"},
		{"customer opted out", with(moving, choose(&no)), daily, nil, "not wanted"},
		{"customer opted in, default off", with(moving, choose(&yes)), order.Daily{Offered: true, Hour: 18}, nil, ""},
		{"customer opted in, not offered", with(moving, choose(&yes)), order.Daily{}, nil, "not wanted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _ := run(t, tt.steps...)
			if tt.told != nil {
				o.Sent(order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S1"}, *tt.told)
			}
			got := o.DailyDue(today, tt.rule)
			if (tt.want == "") != (got == "") || (tt.want != "" && !strings.Contains(got, tt.want)) {
				t.Fatalf("DailyDue = %q, want %q", got, tt.want)
			}
			fx := o.DailyUpdate(today, tt.rule)
			if tt.want != "" {
				if len(fx) != 0 {
					t.Errorf("not due, but asked for %q", show(fx))
				}
				return
			}
			if len(fx) != 1 || fx[0] != (order.Notify{Milestone: order.MilestoneDailyUpdate, Day: "2026-05-07"}) {
				t.Fatalf("effects %#v, want one daily update for 2026-05-07", fx)
			}
			// Asked for once a day, whatever the clock does.
			if fx := o.DailyUpdate(today, tt.rule); len(fx) != 0 {
				t.Errorf("asked twice the same day: %q", show(fx))
			}
		})
	}
}

// TestDailyUpdateEachDay: each day's update is its own message (its key carries the date),
// the order keeps only the latest day's key, and a message sent on a day stands for it.
func TestDailyUpdateEachDay(t *testing.T) {
	o, _ := run(t, with(shipped(), s("t1", "S1", order.ShipmentInTransit, 10))...)
	d1 := vilniusDay(t, at(0))
	d2 := vilniusDay(t, at(24*60))
	d3 := vilniusDay(t, at(48*60))
	if fx := o.DailyUpdate(d1, daily); len(fx) != 1 {
		t.Fatalf("day 1: %q", show(fx))
	}
	o.Sent(order.Notify{Milestone: order.MilestoneDailyUpdate, Day: d1.Date}, d1.Start.Add(15*time.Hour))
	// Day 2: the parcel went out for delivery in the morning, which was said.
	o.ApplyTracking(scan("t2", "S1", order.ShipmentOutForDelivery, 24*60))
	o.Sent(order.Notify{Milestone: order.MilestoneOutForDelivery, ShipmentID: "S1"}, d2.Start.Add(9*time.Hour))
	if why := o.DailyDue(d2, daily); why != "out_for_delivery was said that day" {
		t.Errorf("day 2: DailyDue = %q", why)
	}
	fx := o.DailyUpdate(d3, daily)
	if len(fx) != 1 || fx[0].(order.Notify).Day != d3.Date {
		t.Fatalf("day 3: %q", show(fx))
	}
	n := 0
	for _, k := range o.Notified {
		if strings.HasPrefix(k, "daily_update/") {
			n++
			if k != "daily_update/@"+d3.Date {
				t.Errorf("kept key %q", k)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d daily keys kept: %q", n, o.Notified)
	}
	// A later message does not move LastTold back.
	o.Sent(order.Notify{Milestone: order.MilestoneShipped}, d1.Start)
	if o.LastTold.Milestone != order.MilestoneOutForDelivery {
		t.Errorf("LastTold moved back to %+v", o.LastTold)
	}
}

// TestNextDaily: the next update instant keeps its customer-local hour across the clock changes
// (Vilnius: EET+2 in winter, EEST+3 in summer; the clocks go forward at 03:00 on 2026-03-29 and
// back at 04:00 on 2026-10-25), and the day it falls on spans 23 or 25 hours then.
func TestNextDaily(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name      string
		now       string
		tz        string
		hour      int
		want      string
		date      string
		dayLength time.Duration
	}{
		{"before the hour", "2026-05-07T10:00:00Z", "Europe/Vilnius", 18, "2026-05-07T15:00:00Z", "2026-05-07", 24 * time.Hour},
		{"at the hour is tomorrow's", "2026-05-07T15:00:00Z", "Europe/Vilnius", 18, "2026-05-08T15:00:00Z", "2026-05-08", 24 * time.Hour},
		{"after the hour", "2026-05-07T16:00:00Z", "Europe/Vilnius", 18, "2026-05-08T15:00:00Z", "2026-05-08", 24 * time.Hour},
		{"local date ahead of UTC", "2026-05-07T22:30:00Z", "Europe/Vilnius", 18, "2026-05-08T15:00:00Z", "2026-05-08", 24 * time.Hour},
		{"spring forward day", "2026-03-28T17:00:00Z", "Europe/Vilnius", 18, "2026-03-29T15:00:00Z", "2026-03-29", 23 * time.Hour},
		{"fall back day", "2026-10-24T17:00:00Z", "Europe/Vilnius", 18, "2026-10-25T16:00:00Z", "2026-10-25", 25 * time.Hour},
		{"hour in the spring gap comes an hour later", "2026-03-28T17:00:00Z", "Europe/Vilnius", 3, "2026-03-29T01:00:00Z", "2026-03-29", 23 * time.Hour},
		{"New York", "2026-05-07T10:00:00Z", "America/New_York", 18, "2026-05-07T22:00:00Z", "2026-05-07", 24 * time.Hour},
		{"unknown zone is UTC", "2026-05-07T10:00:00Z", "Mars/Olympus", 18, "2026-05-07T18:00:00Z", "2026-05-07", 24 * time.Hour},
	}
	for _, tt := range tests {
		got, day := order.NextDaily(utc(tt.now), tt.tz, tt.hour)
		if !got.Equal(utc(tt.want)) || got.Location() != time.UTC {
			t.Errorf("%s: next %s, want %s", tt.name, got, tt.want)
		}
		if day.Date != tt.date || day.End.Sub(day.Start) != tt.dayLength || !day.Contains(got) {
			t.Errorf("%s: day %+v, want %s of %s containing %s", tt.name, day, tt.date, tt.dayLength, got)
		}
	}
}

func TestDailyUpdatesChoice(t *testing.T) {
	e := created()
	yes := true
	e.DailyUpdates = &yes
	o, _, err := order.New(e)
	if err != nil {
		t.Fatal(err)
	}
	yes = false // the order keeps its own copy
	if o.DailyUpdates == nil || !*o.DailyUpdates || o.View().Notify.DailyUpdates == nil || !*o.View().Notify.DailyUpdates {
		t.Fatalf("choice not kept: %v", o.DailyUpdates)
	}
	no := false
	if !o.SetDailyUpdates(&no, at(5)) || *o.DailyUpdates {
		t.Fatal("opting out changed nothing")
	}
	if e := o.Timeline[len(o.Timeline)-1]; e.Type != order.EntryDailyUpdates || e.Description != "daily updates off" {
		t.Errorf("timeline entry %+v", e)
	}
	n := len(o.Timeline)
	if o.SetDailyUpdates(&no, at(6)) || o.SetDailyUpdates(nil, at(7)) || len(o.Timeline) != n {
		t.Error("a choice that changes nothing was recorded")
	}
}

func TestQuietHoursContains(t *testing.T) {
	night := order.QuietHours{Start: 21 * 60, End: 8 * 60}
	for _, c := range []struct {
		q      order.QuietHours
		minute int
		want   bool
	}{
		{night, 18 * 60, false}, {night, 21 * 60, true}, {night, 0, true}, {night, 7*60 + 59, true}, {night, 8 * 60, false},
		{order.QuietHours{Start: 12 * 60, End: 13 * 60}, 12 * 60, true}, {order.QuietHours{Start: 12 * 60, End: 13 * 60}, 13 * 60, false},
		{order.QuietHours{}, 3 * 60, false},
	} {
		if got := c.q.Contains(c.minute); got != c.want {
			t.Errorf("%+v contains %d: %v, want %v", c.q, c.minute, got, c.want)
		}
	}
}

// choose is the customer's own choice about daily updates.
func choose(want *bool) step {
	return func(_ testing.TB, o *order.Order) []order.Effect {
		o.SetDailyUpdates(want, at(15))
		return nil
	}
}
