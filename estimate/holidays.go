package estimate

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cy"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/ee"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fi"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/hu"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/is"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lu"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mt"
	"github.com/rickar/cal/v2/mx"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/pt"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// The public holidays come from github.com/rickar/cal, which keeps each country's national
// list (moveable feasts, days moved off a weekend): a holiday typed here would go stale the
// first year a country changed one. Regional holidays (a German Land's, a US state's) are not
// counted: the address says a country, and a national day off is what every region shares.
var national = map[string][]*cal.Holiday{
	"AR": ar.Holidays, "AT": at.Holidays, "BE": be.Holidays, "BG": bg.Holidays, "BR": br.Holidays,
	"CA": ca.Holidays, "CH": ch.Holidays, "CY": cy.Holidays, "CZ": cz.Holidays, "DE": de.Holidays,
	"DK": dk.Holidays, "EE": ee.Holidays, "ES": es.Holidays, "FI": fi.Holidays, "FR": fr.Holidays,
	"GB": gb.Holidays, "GR": gr.Holidays, "HR": hr.Holidays, "HU": hu.Holidays, "IE": ie.Holidays,
	"IS": is.Holidays, "IT": it.Holidays, "JP": jp.Holidays, "LT": lt.Holidays, "LU": lu.Holidays,
	"LV": lv.Holidays, "MT": mt.Holidays, "MX": mx.Holidays, "NL": nl.Holidays, "NO": no.Holidays,
	"NZ": nz.Holidays, "PL": pl.Holidays, "PT": pt.Holidays, "RO": ro.Holidays, "SE": se.Holidays,
	"SI": si.Holidays, "SK": sk.Holidays, "US": us.Holidays, "ZA": za.Holidays,
	"AU": australia,
}

// australia are the holidays every Australian state and territory keeps, from the library's
// own definitions: it lists Australia's holidays by state only (au.HolidaysNSW and the rest),
// and a parcel's address says the country. Anzac Day counts on 25 April itself, the day they
// all share (some move it off a weekend, some do not); Boxing Day is South Australia's
// Proclamation Day, the same day off. A state's own days (Labour Day, the King's Birthday,
// Melbourne Cup) are left out, like a German Land's.
var australia = []*cal.Holiday{
	au.NewYear, au.AustraliaDay, au.GoodFriday, au.EasterMonday, au.AnzacDay, au.ChristmasDay, au.BoxingDay,
}

// calendars are the business calendars by country, built once: cal.Calendar caches its
// answers, and the estimate asks about the same few weeks again and again.
var calendars = func() map[string]*cal.BusinessCalendar {
	m := make(map[string]*cal.BusinessCalendar, len(national))
	for cc, hs := range national {
		c := cal.NewBusinessCalendar()
		c.Name = cc
		c.Cacheable = true
		c.AddHoliday(hs...)
		m[cc] = c
	}
	return m
}()

// weekendsOnly is the calendar of a country the library does not know: Monday to Friday.
var weekendsOnly = cal.NewBusinessCalendar()

// calendar is the business calendar of country cc (ISO 3166-1 alpha-2) and whether its
// holidays are known.
func calendar(cc string) (*cal.BusinessCalendar, bool) {
	if c, ok := calendars[cc]; ok {
		return c, true
	}
	return weekendsOnly, false
}

// Workday reports whether day (its date, whatever its zone) is a business day in country cc:
// not a Saturday, Sunday or national public holiday (the day it is observed when moved off a
// weekend). A country the library does not know has weekends only.
func Workday(cc string, day time.Time) bool {
	c, _ := calendar(cc)
	return c.IsWorkday(dateOf(day))
}

// Holiday is the name of the public holiday on day in country cc, "" for none.
func Holiday(cc string, day time.Time) string {
	c, _ := calendar(cc)
	if _, observed, h := c.IsHoliday(dateOf(day)); observed && h != nil {
		return h.Name
	}
	return ""
}

// KnownCountry reports whether the holidays of country cc are known.
func KnownCountry(cc string) bool {
	_, ok := calendars[cc]
	return ok
}

// dateOf is t's calendar date at midnight UTC: the library compares dates, and a date must not
// move with the zone it is asked in.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
