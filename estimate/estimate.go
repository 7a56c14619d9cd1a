// Package estimate says when a parcel should arrive when its carrier gives no date: the
// merchant's processing days and daily cut-off in the merchant's zone, the carrier's transit
// days to the destination country, counted in business days that skip weekends and the
// country's public holidays.
//
// Its answers depend on holiday data that changes with a library upgrade, so it is never
// called from workflow code: an activity asks it and the answer enters the order's history as
// data (workflows, EstimateDelivery).
package estimate

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/carrier"
)

// Rules are the merchant's: where and when parcels leave, and how long carriers take.
type Rules struct {
	// Zone is the merchant's time zone, in which the cut-off is read; nil is UTC.
	Zone *time.Location
	// Country is the merchant's (ISO 3166-1 alpha-2): its holidays are not dispatch days, and
	// it tells a domestic parcel from one going abroad. Empty: weekends only, and every
	// parcel counts as domestic.
	Country string
	// Cutoff is the time of day after which a parcel leaves on the next working day; zero
	// means no cut-off.
	Cutoff time.Duration
	// ProcessingDays are the working days between an order and its dispatch.
	ProcessingDays int
	// Transit overrides the carriers' default transit days.
	Transit Transit
	// Carriers tells a carrier's code from the way a merchant wrote it; nil is carrier.Builtin.
	Carriers *carrier.Table
}

// Limits of the rules.
const (
	MaxProcessingDays = 30
)

// Request is what an estimate is asked for.
type Request struct {
	Carrier string `json:"carrier"`
	Service string `json:"service,omitempty"`
	// Country is the destination (ISO 3166-1 alpha-2; other spellings are taken as unknown).
	Country string `json:"country,omitempty"`
	// At is when the parcel was handed over (Shipped) or when the order was placed.
	At      time.Time `json:"at"`
	Shipped bool      `json:"shipped"`
}

// Estimate is an estimated delivery day.
type Estimate struct {
	// Date is the delivery day at midnight UTC, the form carriers give a date without a time
	// of day in, which messages and pages word as a day.
	Date time.Time `json:"date"`
	// Departs is the day the parcel leaves the merchant, midnight UTC.
	Departs time.Time `json:"departs"`
	// TransitDays are the business days in transit.
	TransitDays int `json:"transit_days"`
	// Basis says how the date was reached, for staff: the rule, the days skipped.
	Basis string `json:"basis"`
}

// Estimate is the delivery day of r's parcel under the rules.
func (rs Rules) Estimate(r Request) (Estimate, error) {
	if r.At.IsZero() {
		return Estimate{}, fmt.Errorf("estimate: no time to count from")
	}
	if rs.ProcessingDays < 0 || rs.ProcessingDays > MaxProcessingDays {
		return Estimate{}, fmt.Errorf("estimate: processing days must be from 0 to %d", MaxProcessingDays)
	}
	zone := rs.Zone
	if zone == nil {
		zone = time.UTC
	}
	tbl := rs.Carriers
	if tbl == nil {
		tbl = carrier.Builtin()
	}
	from := strings.ToUpper(rs.Country)
	to := strings.ToUpper(strings.TrimSpace(r.Country))
	if !countryCode(to) {
		to = ""
	}
	local := r.At.In(zone)
	day := dateOf(local)
	var skipped []string
	// A parcel handed over after the cut-off, or on a day off, leaves on the next working day.
	if clock := local.Sub(time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, zone)); rs.Cutoff > 0 && clock >= rs.Cutoff || !Workday(from, day) {
		day = next(from, day, &skipped)
	}
	if !r.Shipped {
		for range rs.ProcessingDays {
			day = next(from, day, &skipped)
		}
	}
	departs := day
	c, usual := code(tbl, r.Carrier)
	n, basis := rs.Transit.days(c, usual, strings.ToLower(strings.TrimSpace(r.Service)), from, to)
	dest := to
	if dest == "" {
		dest = from // an address without a country is taken to be domestic
	}
	skipped = skipped[:0] // the days the customer waits are the ones worth naming
	for range n {
		day = next(dest, day, &skipped)
	}
	e := Estimate{Date: day, Departs: departs, TransitDays: n}
	e.Basis = fmt.Sprintf("%s to %s: leaves %s, %d business day%s in transit (%s)",
		cmp.Or(c, "a carrier not chosen yet"), orUnknown(to), departs.Format(time.DateOnly), n, plural(n), basis)
	if len(skipped) > 0 {
		e.Basis += ", skipping " + strings.Join(skipped, ", ")
	}
	if dest != "" && !KnownCountry(dest) {
		e.Basis += "; no public holidays known for " + dest
	}
	return e, nil
}

// next is the first working day of country cc after day; the holidays it passes over are
// added to skipped as "2026-02-16 (the holiday's name)". Weekends go unnamed: everyone knows
// them, and they would crowd out the day that surprises.
func next(cc string, day time.Time, skipped *[]string) time.Time {
	for range 366 { // no country rests a whole year; the bound keeps a bad calendar finite
		day = day.AddDate(0, 0, 1)
		if Workday(cc, day) {
			return day
		}
		if h := Holiday(cc, day); h != "" {
			*skipped = append(*skipped, day.Format(time.DateOnly)+" ("+h+")")
		}
	}
	return day
}

func orUnknown(cc string) string {
	if cc == "" {
		return "an unknown country"
	}
	return cc
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
