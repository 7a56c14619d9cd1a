package estimate

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/carrier"
)

func vilnius(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Vilnius")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// 16 February 2026 is a Monday and Lithuania's State Restoration Day: a parcel handed over on
// Friday the 13th with one day in transit skips the weekend and the holiday.
func TestEstimateSkipsWeekendAndHoliday(t *testing.T) {
	lt := vilnius(t)
	rs := Rules{Zone: lt, Country: "LT", Cutoff: 14 * time.Hour, ProcessingDays: 1, Transit: Transit{"dpd:LT": 1}}
	for _, c := range []struct {
		name          string
		req           Request
		departs, date string
	}{
		{"before the cut-off", Request{Carrier: "DPD", Country: "LT", At: time.Date(2026, 2, 13, 10, 0, 0, 0, lt), Shipped: true}, "2026-02-13", "2026-02-17"},
		// After the cut-off it leaves on Tuesday: Monday is a holiday at the merchant's too.
		{"after the cut-off", Request{Carrier: "dpd", Country: "lt", At: time.Date(2026, 2, 13, 15, 0, 0, 0, lt), Shipped: true}, "2026-02-17", "2026-02-18"},
		{"on a Saturday", Request{Carrier: "DPD", Country: "LT", At: time.Date(2026, 2, 14, 9, 0, 0, 0, lt), Shipped: true}, "2026-02-17", "2026-02-18"},
		// Ordered Thursday morning: a processing day makes it leave on Friday.
		{"placed, not shipped", Request{Carrier: "DPD", Country: "LT", At: time.Date(2026, 2, 12, 9, 0, 0, 0, lt)}, "2026-02-13", "2026-02-17"},
		// The cut-off is the merchant's clock: 13:30 UTC is 15:30 in Vilnius.
		{"cut-off in the merchant's zone", Request{Carrier: "DPD", Country: "LT", At: time.Date(2026, 2, 12, 13, 30, 0, 0, time.UTC), Shipped: true}, "2026-02-13", "2026-02-17"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := rs.Estimate(c.req)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Departs.Equal(day(c.departs)) || !e.Date.Equal(day(c.date)) {
				t.Errorf("departs %s, arrives %s; want %s, %s (%s)", e.Departs.Format(time.DateOnly), e.Date.Format(time.DateOnly), c.departs, c.date, e.Basis)
			}
		})
	}
}

func TestEstimateNamesTheHoliday(t *testing.T) {
	e, err := Rules{Country: "LT", Transit: Transit{"*": 1}}.Estimate(Request{Carrier: "DPD", Country: "LT", At: time.Date(2026, 2, 13, 8, 0, 0, 0, time.UTC), Shipped: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Basis, "2026-02-16 (Lietuvos valstybės atkūrimo diena)") || !strings.Contains(e.Basis, "configured *") {
		t.Errorf("basis %q names neither the holiday nor the rule", e.Basis)
	}
}

// Germany: Good Friday (3 April 2026) and Easter Monday (6 April) are national holidays, so a
// parcel leaving on Thursday 2 April arrives on Tuesday 7 April, not Friday.
func TestEstimateGermanEaster(t *testing.T) {
	e, err := Rules{Country: "DE"}.Estimate(Request{Carrier: "DHL Express", Country: "DE", At: time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC), Shipped: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := day("2026-04-07"); !e.Date.Equal(want) {
		t.Errorf("arrives %s, want %s (%s)", e.Date.Format(time.DateOnly), want.Format(time.DateOnly), e.Basis)
	}
}

func TestTransitDays(t *testing.T) {
	tr, err := ParseTransit("dpd=2, dpd:LT=1, dpd/express=1, *:US=6, DHL_Express/Economy:de=4")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		carrier, svc, from, to string
		want                   int
	}{
		{"dpd", "", "LT", "LT", 1},
		{"dpd", "", "LT", "LV", 2},
		{"dpd", "express", "LT", "LV", 1},
		{"dpd", "express", "LT", "LT", 1},
		{"ups", "", "LT", "US", 6},
		{"ups", "", "LT", "LV", usual("ups").Europe},
		{"dhl_express", "economy", "LT", "DE", 4},
		{"dhl_express", "", "LT", "JP", usual("dhl_express").World},
		{"somebody", "", "LT", "LT", fallback.Domestic},
	} {
		if got, basis := tr.days(c.carrier, usualOrNil(c.carrier), c.svc, c.from, c.to); got != c.want {
			t.Errorf("%s/%s %s->%s: %d days (%s), want %d", c.carrier, c.svc, c.from, c.to, got, basis, c.want)
		}
	}
}

func TestParseTransitRefuses(t *testing.T) {
	for _, s := range []string{
		"dpd", "dpd=x", "dpd=-1", "dpd=61", "=2", "dp d=2", "dpd:LTU=1", "dpd:1=1", "dpd/=1",
		"dpd\x00=1", strings.Repeat("a", 65) + "=1", strings.Repeat("a=1,", MaxTransitRules+1),
	} {
		if _, err := ParseTransit(s); err == nil {
			t.Errorf("ParseTransit(%q) accepted", s)
		}
	}
}

func TestUnknownCountryHasWeekendsOnly(t *testing.T) {
	e, err := Rules{}.Estimate(Request{Carrier: "x", Country: "XX", At: time.Date(2026, 2, 13, 8, 0, 0, 0, time.UTC), Shipped: true})
	if err != nil {
		t.Fatal(err)
	}
	// fallback international days from Friday, weekends skipped.
	want := time.Date(2026, 2, 13, 0, 0, 0, 0, time.UTC)
	for n := 0; n < fallback.Domestic; {
		want = want.AddDate(0, 0, 1)
		if wd := want.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	if !e.Date.Equal(want) {
		t.Errorf("arrives %s, want %s (%s)", e.Date.Format(time.DateOnly), want.Format(time.DateOnly), e.Basis)
	}
}

func usual(code string) carrier.Transit { return *usualOrNil(code) }

func usualOrNil(code string) *carrier.Transit {
	c, _ := carrier.Builtin().Lookup(code)
	return c.Transit
}

// Australia: the library keeps its holidays by state, so shipflow counts the ones every state
// shares. Australia Day (Monday 26 January 2026) is one; Melbourne Cup day is Victoria's alone.
func TestEstimateAustraliaDay(t *testing.T) {
	friday := time.Date(2026, 1, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		transit Transit
		want    string
	}{
		{"a day in transit", Transit{"australia_post": 1}, "2026-01-27"},
		{"Australia Post's usual days", nil, "2026-01-29"},
	} {
		e, err := Rules{Country: "AU", Transit: c.transit}.Estimate(Request{Carrier: "Australia Post", Country: "AU", At: friday, Shipped: true})
		if err != nil {
			t.Fatal(err)
		}
		if !e.Date.Equal(day(c.want)) || !strings.Contains(e.Basis, "Australia Day") {
			t.Errorf("%s: arrives %s, want %s past Australia Day (%s)", c.name, e.Date.Format(time.DateOnly), c.want, e.Basis)
		}
	}
	for d, want := range map[string]bool{"2026-04-06": false, "2026-12-28": false, "2026-11-03": true, "2026-06-08": true} {
		if got := Workday("AU", day(d)); got != want {
			t.Errorf("%s: workday %v, want %v (%q)", d, got, want, Holiday("AU", day(d)))
		}
	}
}

// Every country the carrier table's carriers are at home in has its holidays known.
func TestCarrierCountriesHaveHolidays(t *testing.T) {
	for _, cc := range []string{"US", "CA", "GB", "AU", "DE", "NL", "FR", "BE", "ES", "IT", "PL", "LT", "EE", "CZ", "SE", "DK"} {
		if !KnownCountry(cc) {
			t.Errorf("no holidays for %s", cc)
		}
	}
}

// A Lithuanian merchant's parcel to Germany counts Germany's holidays: Whit Monday (25 May
// 2026) is a German holiday, not a Lithuanian one, so the same Friday parcel arrives in
// Germany on Tuesday and in Lithuania on Monday.
func TestEstimateCrossBorder(t *testing.T) {
	lt := vilnius(t)
	rs := Rules{Zone: lt, Country: "LT", Transit: Transit{"dpd": 1}}
	friday := time.Date(2026, 5, 22, 10, 0, 0, 0, lt)
	for to, want := range map[string]string{"DE": "2026-05-26", "LT": "2026-05-25"} {
		e, err := rs.Estimate(Request{Carrier: "DPD", Country: to, At: friday, Shipped: true})
		if err != nil {
			t.Fatal(err)
		}
		if !e.Departs.Equal(day("2026-05-22")) || !e.Date.Equal(day(want)) {
			t.Errorf("to %s: departs %s, arrives %s; want 2026-05-22, %s (%s)", to, e.Departs.Format(time.DateOnly), e.Date.Format(time.DateOnly), want, e.Basis)
		}
	}
	if !strings.Contains(Holiday("DE", day("2026-05-25")), "Pfingstmontag") {
		t.Errorf("25 May 2026 in Germany: %q", Holiday("DE", day("2026-05-25")))
	}
}
