package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/estimate"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// merchantRules are the test merchant's: a shop in Berlin handing parcels over until 14:00.
var merchantRules = estimate.Rules{Zone: mustZone("Europe/Berlin"), Country: "DE", Cutoff: 14 * time.Hour, ProcessingDays: 1}

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// whitFriday is Friday 22 May 2026, 12:00 in Berlin: the next Monday (25 May) is Whit Monday,
// a public holiday all over Germany.
var whitFriday = time.Date(2026, 5, 22, 10, 0, 0, 0, time.UTC)

// startTo runs the order with its shipping address in country cc.
func (r *run) startTo(cc string) {
	e := r.created()
	e.ShippingAddress = &order.Address{City: "Berlin", Country: cc}
	r.env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Created: &e, Settings: r.settings})
}

// undated is an order.shipped with no delivery date.
func (r *run) undated(at time.Duration, shipmentID, tn string) order.CommerceEvent {
	e := r.shipped(at, shipmentID, tn, 0)
	e.Shipment.EstimatedDelivery = nil
	return e
}

// The done-when of issue 19's estimates: a parcel with no carrier ETA, handed over on the
// Friday before Whit Monday with one day in transit, is estimated for Tuesday (not Saturday,
// not the holiday), the customer is told that day, and the order is flagged late from it.
func TestEstimateSkipsWeekendAndHolidayAndIsLateFromIt(t *testing.T) {
	c := &carrier{journey: []order.ShipmentStatus{order.ShipmentInTransit}, start: whitFriday}
	r, _ := watchedRun(t, c)
	r.settings.StaleAfter = 30 * day // only lateness here
	r.settings.LateGrace = time.Hour
	r.settings.Estimates, r.settings.LateFromDayEnd = true, true
	ship := whitFriday.Sub(t0)
	r.commerce(ship, r.undated(ship, "S1", "TN1"))
	tuesday := time.Date(2026, 5, 26, 0, 0, 0, 0, time.UTC)
	r.at(ship+time.Hour, func() {
		v := r.query()
		s := v.Shipments[0]
		if s.EstimatedDelivery == nil || !s.EstimatedDelivery.Equal(tuesday) || s.ETASource != order.ETAEstimate {
			t.Fatalf("shipment ETA %v from %q, want %s from the estimate", s.EstimatedDelivery, s.ETASource, tuesday.Format(time.DateOnly))
		}
		var basis string
		for _, e := range v.Timeline {
			if e.Type == order.EntryETAEstimated && e.ShipmentID == "S1" {
				basis = e.Note
			}
		}
		if !strings.Contains(basis, "2026-05-25 (Pfingstmontag)") {
			t.Errorf("the estimate's basis %q does not name Whit Monday", basis)
		}
	})
	// Late one hour (LateGrace) after Tuesday ends, not before.
	r.at(tuesday.Add(24*time.Hour+30*time.Minute).Sub(t0), func() {
		if x := r.query().Exception; x != nil {
			t.Errorf("late before the estimated day and its grace passed: %+v", x)
		}
	})
	r.at(tuesday.Add(24*time.Hour+90*time.Minute).Sub(t0), func() {
		x := r.query().Exception
		if x == nil || x.Reason != order.ReasonLate || x.Message != "not delivered on 2026-05-26, shipflow's estimate" {
			t.Errorf("after the estimated day and its grace: %+v", x)
		}
		r.env.CancelWorkflow()
	})
	r.startTo("DE")
	if len(r.ch.sends) == 0 || r.ch.sends[0].Milestone != order.MilestoneShipped {
		t.Fatalf("sent %v, want the shipped message first", r.ch.sent())
	}
	if eta := r.ch.sends[0].Shipments[0].ETA; eta == nil || !eta.Equal(tuesday) {
		t.Errorf("the shipped message says ETA %v, want the estimate %s", eta, tuesday.Format(time.DateOnly))
	}
	if src := r.ch.sends[0].Shipments[0].ETASource; src != order.ETAEstimate {
		t.Errorf("the shipped message's ETA is from %q, want estimate: the customer is told it as one", src)
	}
}

// A carrier's date that comes later replaces the estimate, and an estimate never replaces a
// date someone gave.
func TestCarrierETAReplacesTheEstimate(t *testing.T) {
	r := newRun(t)
	r.settings.Estimates = true
	ship := whitFriday.Sub(t0)
	r.commerce(ship, r.undated(ship, "S1", "TN1"))
	r.commerce(ship, r.shipped(ship, "S2", "TN2", ship+3*day))
	carrierETA := time.Date(2026, 5, 27, 0, 0, 0, 0, time.UTC)
	scan := tracking("scan-1", "TN1", order.ShipmentInTransit, ship+time.Hour)
	scan.EstimatedDelivery = &carrierETA
	r.scan(ship+2*time.Hour, scan)
	r.at(ship+time.Hour, func() {
		v := r.query()
		if src := v.Shipments[0].ETASource; src != order.ETAEstimate {
			t.Errorf("S1's ETA from %q before the carrier spoke, want estimate", src)
		}
		if s := v.Shipments[1]; s.ETASource != order.ETAMerchant || !s.EstimatedDelivery.Equal(t0.Add(ship+3*day)) {
			t.Errorf("S2: ETA %v from %q, want the merchant's", s.EstimatedDelivery, s.ETASource)
		}
	})
	r.at(ship+3*time.Hour, func() {
		s := r.query().Shipments[0]
		if s.ETASource != order.ETACarrier || !s.EstimatedDelivery.Equal(carrierETA) {
			t.Errorf("after the carrier's date: ETA %v from %q", s.EstimatedDelivery, s.ETASource)
		}
		r.env.CancelWorkflow()
	})
	r.startTo("DE")
}

// Runs started without Estimates (every run recorded before them) estimate nothing.
func TestNoEstimateUnlessSettingsAsk(t *testing.T) {
	r := newRun(t)
	ship := whitFriday.Sub(t0)
	r.commerce(ship, r.undated(ship, "S1", "TN1"))
	r.at(ship+time.Hour, func() {
		if s := r.query().Shipments[0]; s.EstimatedDelivery != nil || s.ETASource != "" {
			t.Errorf("estimated %v from %q with estimates off", s.EstimatedDelivery, s.ETASource)
		}
		r.env.CancelWorkflow()
	})
	r.startTo("DE")
}

// Before anything ships, an order the shop promised no date for is estimated from the
// order: the merchant's processing day and cut-off, then the usual transit time.
func TestOrderEstimatedBeforeItShips(t *testing.T) {
	r := newRun(t)
	r.settings.Estimates = true
	want, err := merchantRules.Estimate(estimate.Request{Country: "DE", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	r.at(time.Minute, func() {
		v := r.query()
		if v.EstimatedDelivery == nil || !v.EstimatedDelivery.Equal(want.Date) {
			t.Errorf("order estimated %v, want %s (%s)", v.EstimatedDelivery, want.Date.Format(time.DateOnly), want.Basis)
		}
		var n int
		for _, e := range v.Timeline {
			if e.Type == order.EntryETAEstimated && e.ShipmentID == "" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d order estimates on the timeline, want 1", n)
		}
		r.env.CancelWorkflow()
	})
	r.startTo("DE")
}
