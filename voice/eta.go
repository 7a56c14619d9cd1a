package voice

import (
	"strings"
	"sync"
	"time"
)

// etaSpec is a driver's revised_eta as said, resolved against the order's
// time zone once the order is known. It is one of:
//
//   - an RFC 3339 time with an offset ("2026-05-08T17:30:00+03:00", "...Z"):
//     taken as it is;
//   - a local date and time without an offset ("2026-05-08T17:30",
//     "2026-05-08 17:30"): in the customer's time zone;
//   - a time of day ("17:30", "17.30", "17:30:00", "5:30 PM", "5 PM"): that
//     time today in the customer's time zone, or tomorrow when it has
//     already passed today (a driver at 23:00 saying "01:00" means the
//     night ahead).
//
// A customer without a known zone is in UTC.
type etaSpec struct {
	abs   *time.Time // an instant
	local *time.Time // a wall-clock date and time, zone to be applied
	clock *time.Time // a time of day only
}

var (
	etaLocalLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}
	etaClockLayouts = []string{"15:04", "15:04:05", "15.04", "3:04 PM", "3:04PM", "3 PM", "3PM"}
)

// parseETASpec reads a revised_eta, reporting false for anything else.
func parseETASpec(s string) (*etaSpec, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return &etaSpec{abs: &t}, true
		}
	}
	for _, layout := range etaLocalLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return &etaSpec{local: &t}, true
		}
	}
	upper := strings.NewReplacer("P.M.", "PM", "A.M.", "AM", "P.M", "PM", "A.M", "AM").Replace(strings.ToUpper(s)) // "5:30 p.m."
	for _, layout := range etaClockLayouts {
		if t, err := time.Parse(layout, upper); err == nil {
			return &etaSpec{clock: &t}, true
		}
	}
	return nil, false
}

// resolve is the instant the spec means, now, for a customer in loc.
func (e *etaSpec) resolve(now time.Time, loc *time.Location) time.Time {
	switch {
	case e.abs != nil:
		return *e.abs
	case e.local != nil:
		l := *e.local
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, loc)
	}
	c, n := *e.clock, now.In(loc)
	t := time.Date(n.Year(), n.Month(), n.Day(), c.Hour(), c.Minute(), c.Second(), 0, loc)
	if t.Before(n) {
		t = time.Date(n.Year(), n.Month(), n.Day()+1, c.Hour(), c.Minute(), c.Second(), 0, loc)
	}
	return t
}

var zones sync.Map // IANA name → *time.Location

// zone is the customer's time zone, UTC when tz is empty or unknown, as the
// notify templates take it.
func zone(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	if l, ok := zones.Load(tz); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		l = time.UTC
	}
	zones.Store(tz, l)
	return l
}
