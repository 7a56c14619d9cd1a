package order

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Daily updates (issue 20): while a parcel is on its way and nothing else was said to the
// customer that day, a short "here is where your parcel is" message at a customer-local hour.
// The rule is here; the workflow only keeps the clock (one timer a day) and asks it.

// Daily is the deployment's daily update rule an order runs with (SHIPFLOW_DAILY_UPDATES,
// SHIPFLOW_DAILY_UPDATE_HOUR). The zero value, which orders started before daily updates carry,
// sends none, whatever the customer asked.
type Daily struct {
	// Offered lets customers have daily updates: those who asked (order.created's
	// notify.daily_updates, the set_notification_channels update) get them.
	Offered bool `json:"offered,omitempty"`
	// Default is the merchant's choice for customers who did not say.
	Default bool `json:"default,omitempty"`
	// Hour is the customer-local hour (0-23) the update is sent at, outside quiet hours.
	Hour int `json:"hour,omitempty"`
}

// MaxDailyHour bounds Daily.Hour: a clock hour.
const MaxDailyHour = 23

// Day is one calendar day in the customer's time zone: its date and the instants it starts
// and ends (UTC; 23 or 25 hours apart on a day the clocks change).
type Day struct {
	Date  string    `json:"date"` // 2006-01-02
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Contains reports whether t falls on d.
func (d Day) Contains(t time.Time) bool { return !t.Before(d.Start) && t.Before(d.End) }

// NextDaily is when the next daily update is due after now: the first instant after now at
// which the clock in the customer's zone tz (IANA; unknown or empty means UTC) reads hour:00,
// and the customer-local day it falls on. It counts in the zone, not in 24-hour steps, so the
// update keeps its local hour across a change of the clocks; on the one day a year the hour
// does not exist (it falls in the spring-forward gap) it comes an hour later. It reads the
// time zone database, so a workflow calls it inside a SideEffect.
func NextDaily(now time.Time, tz string, hour int) (time.Time, Day) {
	loc := zone(tz)
	local := now.In(loc)
	for d := 0; ; d++ {
		y, m, dd := local.Year(), local.Month(), local.Day()+d
		at := time.Date(y, m, dd, hour, 0, 0, 0, loc)
		if at.After(now) {
			start := time.Date(y, m, dd, 0, 0, 0, 0, loc)
			return at.UTC(), Day{
				Date:  start.Format(time.DateOnly),
				Start: start.UTC(),
				End:   time.Date(y, m, dd+1, 0, 0, 0, 0, loc).UTC(),
			}
		}
	}
}

// zone is the customer's time zone, UTC when tz is empty or unknown: a message at the wrong
// hour is better than none.
func zone(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Told is the latest message the customer was sent: which milestone and when it left.
type Told struct {
	Milestone  Milestone `json:"milestone"`
	ShipmentID string    `json:"shipment_id,omitempty"`
	At         time.Time `json:"at"`
}

// Sent records that a message about n left for the customer at at, which is what "nothing
// else was said that day" reads. The workflow calls it once a message went on at least one
// channel (not when it was asked for: a message held for quiet hours is said in the morning).
func (o *Order) Sent(n Notify, at time.Time) {
	at = utc(at)
	if t := o.LastTold; t != nil && t.At.After(at) {
		return
	}
	o.LastTold = &Told{Milestone: n.Milestone, ShipmentID: n.ShipmentID, At: at}
}

// WantsDaily reports whether the customer gets daily updates under s: their own choice when
// they made one, else the merchant's default; never when s does not offer them or the customer
// has no channel.
func (o *Order) WantsDaily(s Daily) bool {
	if !s.Offered || len(o.Notify) == 0 {
		return false
	}
	if o.DailyUpdates != nil {
		return *o.DailyUpdates
	}
	return s.Default
}

// Moving lists the shipments a daily update tells of: parcels of the order (not a return)
// scanned on their way and not yet there: in transit, out for delivery, or after a failed
// attempt. A parcel with only a label (info_received) has not started; one waiting at a
// pickup point, delivered, with a problem (the delayed message and staff have it) or
// cancelled is not moving. None while the order is closed or its journey is over.
func (o *Order) Moving() []string {
	if o.closed() || o.Final() {
		return nil
	}
	var ids []string
	for _, s := range o.Shipments {
		if s.Return {
			continue
		}
		switch s.Status {
		case ShipmentInTransit, ShipmentOutForDelivery, ShipmentAttemptFailed:
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// DailyDue says whether a daily update is due on day under s, and if not why not (""
// when due): the customer wants them, a parcel is moving, and nothing was said on that day
// in the customer's zone, the day's own update included.
func (o *Order) DailyDue(day Day, s Daily) string {
	switch {
	case !o.WantsDaily(s):
		return "not wanted"
	case len(o.Moving()) == 0:
		return "no parcel moving"
	case o.LastTold != nil && !o.LastTold.At.Before(day.Start):
		return fmt.Sprintf("%s was said that day", o.LastTold.Milestone)
	case o.notified(Notify{Milestone: MilestoneDailyUpdate, Day: day.Date}):
		return "already sent that day"
	}
	return ""
}

// DailyUpdate asks for day's daily update when DailyDue says it is due: an order-level Notify
// for the day, whose key carries the date, so that day 2's update is its own message. The key
// is kept in Notified only until the next day's (one entry, not one a day).
func (o *Order) DailyUpdate(day Day, s Daily) []Effect {
	if o.DailyDue(day, s) != "" {
		return nil
	}
	n := Notify{Milestone: MilestoneDailyUpdate, Day: day.Date}
	o.forgetDaily()
	o.Notified = append(o.Notified, n.key())
	return []Effect{n}
}

// SetDailyUpdates records the customer's own choice about daily updates (nil: the merchant's
// default). It reports whether anything changed.
func (o *Order) SetDailyUpdates(want *bool, at time.Time) bool {
	if want == nil || (o.DailyUpdates != nil && *o.DailyUpdates == *want) {
		return false
	}
	v := *want
	o.DailyUpdates = &v
	desc := "daily updates off"
	if v {
		desc = "daily updates on"
	}
	o.record(Entry{At: utc(at), Kind: KindSystem, Type: EntryDailyUpdates, Description: desc})
	return true
}

func (o *Order) notified(n Notify) bool { return slices.Contains(o.Notified, n.key()) }

// forgetDaily drops earlier days' daily update keys from Notified. It builds a new slice: the
// old one may be shared with a copy of the order (a continued run's input).
func (o *Order) forgetDaily() {
	prefix := string(MilestoneDailyUpdate) + "/"
	keep := make([]string, 0, len(o.Notified))
	for _, k := range o.Notified {
		if !strings.HasPrefix(k, prefix) {
			keep = append(keep, k)
		}
	}
	o.Notified = keep
}

// cloneBool copies an optional choice, so the state never aliases the caller's value.
func cloneBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}
