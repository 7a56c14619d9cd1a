package trackpage

import (
	"fmt"
	"time"

	notifytmpl "github.com/shipflow/shipflow/notify/template"
)

// clock tells times for one rendering of the page: in the customer's
// language and zone, relative to the moment the page is drawn.
//
// The arrival estimate is worded by notify/template.ETA, so the page says
// it exactly as the customer's messages do. The past times the page also
// needs (a delivery, a journey's scans) are worded here, on the same
// calendar rules: a carrier estimate at midnight is a date without a time.
type clock struct {
	w      *words
	locale string
	now    time.Time
	loc    *time.Location
}

// zone is the customer's IANA time zone, or UTC when it is missing or not
// one this machine knows: a wrong hour is better than no page.
func zone(name string) *time.Location {
	if name == "" || name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// calendarDay is the customer's day of t as a UTC midnight, so days can be
// counted without daylight-saving surprises, and whether t says a time of
// day. Midnight UTC is a carrier's date-only estimate and keeps its date.
func (c clock) calendarDay(t time.Time) (day time.Time, timed bool) {
	if u := t.UTC(); isMidnight(u) {
		return midnight(u), false
	}
	l := t.In(c.loc)
	return midnight(l), !isMidnight(l)
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// daysAhead counts calendar days from the customer's today to day.
func (c clock) daysAhead(day time.Time) int {
	return int(day.Sub(midnight(c.now.In(c.loc))).Hours() / 24)
}

// arrival says when a parcel is expected: "Arrives tomorrow by 5:00 PM",
// "Arrives on Friday, May 8", or "Was due on May 3" once the day has
// passed, since "Arrives" a date gone by reads as a bug.
func (c clock) arrival(t time.Time) string {
	eta := notifytmpl.ETA(t, c.now, c.loc.String(), c.locale)
	if day, _ := c.calendarDay(t); c.daysAhead(day) < 0 {
		return fmt.Sprintf(c.w.wasDue, eta)
	}
	return fmt.Sprintf(c.w.arrives, eta)
}

// estimate says when a parcel is expected by shipflow's own estimate: "Estimated delivery
// on Tuesday, May 26", or "Estimated delivery was on May 20" once the day has passed.
func (c clock) estimate(t time.Time) string {
	eta := notifytmpl.ETA(t, c.now, c.loc.String(), c.locale)
	if day, _ := c.calendarDay(t); c.daysAhead(day) < 0 {
		return fmt.Sprintf(c.w.wasEstimated, eta)
	}
	return fmt.Sprintf(c.w.estimated, eta)
}

// delivery says when a parcel was delivered: "Delivered today at 2:13 PM",
// "Delivered on May 8 at 2:13 PM".
func (c clock) delivery(t time.Time) string {
	return fmt.Sprintf(c.w.delivered, c.moment(t))
}

// moment says a past moment: "today at 2:13 PM", "on May 8 at 2:13 PM".
func (c clock) moment(t time.Time) string {
	day := midnight(t.In(c.loc)) // a delivery time is a moment, never a bare date
	var when string
	switch c.daysAhead(day) {
	case 0:
		when = c.w.today
	case -1:
		when = c.w.yesterday
	default:
		when = fmt.Sprintf(c.w.on, c.date(day))
	}
	return fmt.Sprintf(c.w.at, when, c.time(t))
}

// stamp is a timeline entry's time: "May 8, 2:13 PM", "gegužės 8 d.
// 14:13". Absolute, unlike the ETA, because a journey is read as a log.
func (c clock) stamp(t time.Time) string {
	return fmt.Sprintf(c.w.stamp, c.date(midnight(t.In(c.loc))), c.time(t))
}

// date says a calendar day, given as its UTC midnight (see midnight),
// with the year only when it is not this year.
func (c clock) date(day time.Time) string {
	m := c.w.months[day.Month()-1]
	if day.Year() != c.now.In(c.loc).Year() {
		return fmt.Sprintf(c.w.dayMonthYear, m, day.Day(), day.Year())
	}
	return fmt.Sprintf(c.w.dayMonth, m, day.Day())
}

// time says the time of day of t in the customer's zone.
func (c clock) time(t time.Time) string {
	return t.In(c.loc).Format(c.w.clock)
}
