package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// journeyRun is a run under the journey's rules as the starter sets them.
func journeyRun(t *testing.T) *run {
	r := newRun(t)
	r.settings.Steps = order.Steps{Tell: order.DefaultTell(), Returns: true, Contact: true}
	r.settings.ReturnWatch = 30 * 24 * time.Hour
	return r
}

// TestReturnTrackedUntilReceived: a delivered order's return carries its parcel, which is
// tracked by its own tracking number to "we received your return". The order is returned from
// the announcement on, its workflow waits for the parcel rather than finishing after the review
// delay, and the outbound parcel raises no stale or late exception meanwhile.
func TestReturnTrackedUntilReceived(t *testing.T) {
	r := journeyRun(t)
	r.settings.StaleAfter, r.settings.LateGrace = 48*time.Hour, 12*time.Hour
	r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN-OUT", 24*time.Hour))
	r.scan(2*time.Hour, tracking("d1", "TN-OUT", order.ShipmentDelivered, 2*time.Hour))
	ret := r.event(order.EventReturnInitiated, 3*time.Hour)
	ret.Reason = "too small"
	ret.ReturnShipment = &order.ShipmentInfo{Carrier: "DPD", TrackingNumber: "TN-BACK"}
	r.commerce(3*time.Hour, ret)
	r.scan(5*time.Hour, tracking("r1", "TN-BACK", order.ShipmentInTransit, 5*time.Hour))
	r.at(6*time.Hour, func() {
		v := r.query()
		if v.Status != order.StatusReturned || len(v.Shipments) != 2 || !v.Shipments[1].Return || v.Shipments[1].ShipmentID != "return-1" {
			t.Errorf("with the return on its way: status %s, shipments %+v", v.Status, v.Shipments)
		}
		if v.Exception != nil {
			t.Errorf("exception %+v", v.Exception)
		}
	})
	// Past the review delay after delivery: the order still waits for its return.
	r.at(100*time.Hour, func() {
		if r.env.IsWorkflowCompleted() {
			t.Error("finished with the return still on its way")
		}
	})
	r.scan(120*time.Hour, tracking("r2", "TN-BACK", order.ShipmentDelivered, 120*time.Hour))
	r.checkStatus(121*time.Hour, order.StatusReturned)
	r.start()
	r.completed()
	r.ch.want(t, "shipped/S1", "delivered/S1", "return_in_transit/return-1", "return_received/return-1")
	for _, n := range r.ch.sends {
		if strings.HasPrefix(string(n.Milestone), "return_") && (len(n.Shipments) != 1 || n.Shipments[0].TrackingNumber != "TN-BACK") {
			t.Errorf("%s tells of %+v, want the return parcel alone", n.Milestone, n.Shipments)
		}
	}
	if len(r.ch.changes) != 0 || len(r.staff.alerts) != 0 {
		t.Errorf("exceptions raised: %+v %+v", r.ch.changes, r.staff.alerts)
	}
}

// TestContactChangeReachesTheNextMessage: a customer.updated between two messages sends the
// second to the new phone, in the new time zone, and the timeline says so without the number;
// the cancellation is told (without its reason) and nothing after it.
func TestContactChangeReachesTheNextMessage(t *testing.T) {
	r := journeyRun(t)
	r.commerce(time.Hour, r.event(order.EventPacked, time.Hour))
	change := r.event(order.EventCustomerUpdated, 2*time.Hour)
	change.Customer = &order.Customer{Phone: "+37061111222", TimeZone: "Europe/London"}
	r.commerce(2*time.Hour, change)
	same := r.event(order.EventOrderUpdated, 150*time.Minute)
	same.Customer = &order.Customer{Phone: "+37061111222"}
	r.commerce(150*time.Minute, same)
	r.commerce(3*time.Hour, r.shipped(3*time.Hour, "S1", "TN-1", 48*time.Hour))
	r.at(4*time.Hour, func() {
		var changes []order.Entry
		for _, e := range r.query().Timeline {
			if e.Kind == order.KindCommerce && (e.Type == string(order.EventCustomerUpdated) || e.Type == string(order.EventOrderUpdated)) {
				changes = append(changes, e)
			}
		}
		if len(changes) != 1 || strings.Contains(changes[0].Description, "61111222") || !strings.Contains(changes[0].Description, "+370*****222") {
			t.Errorf("contact changes on the timeline: %+v", changes)
		}
	})
	cancel := r.event(order.EventCancelled, 5*time.Hour)
	cancel.Reason = "fraud check failed, call +37069999999"
	r.commerce(5*time.Hour, cancel)
	refund := r.event(order.EventRefundProcessed, 5*time.Hour+time.Minute)
	refund.Amount, refund.Currency = "61.80", "EUR"
	r.commerce(5*time.Hour+time.Minute, refund)
	r.start()
	r.completed()
	r.ch.want(t, "packed/", "shipped/S1", "cancelled/")
	for _, n := range r.ch.sends {
		want, tz := "+37061111222", "Europe/London"
		if n.Milestone == order.MilestonePacked {
			want, tz = "+37060000000", "Europe/Vilnius"
		}
		if n.Customer.Phone != want || n.Customer.TimeZone != tz {
			t.Errorf("%s went to %s in %s, want %s in %s", n.Milestone, n.Customer.Phone, n.Customer.TimeZone, want, tz)
		}
		if n.Reason != "" {
			t.Errorf("%s carries a reason: %q", n.Milestone, n.Reason)
		}
	}
}

// TestJourneyOffForOrdersWithoutSteps: an order started without Steps (as every order before
// them) keeps the old messages, whatever events arrive.
func TestJourneyOffForOrdersWithoutSteps(t *testing.T) {
	r := newRun(t)
	r.commerce(time.Hour, r.event(order.EventPacked, time.Hour))
	change := r.event(order.EventCustomerUpdated, 2*time.Hour)
	change.Customer = &order.Customer{Phone: "+37061111222"}
	r.commerce(2*time.Hour, change)
	r.commerce(3*time.Hour, r.shipped(3*time.Hour, "S1", "TN-1", 48*time.Hour))
	r.commerce(5*time.Hour, r.event(order.EventCancelled, 5*time.Hour))
	r.start()
	r.completed()
	r.ch.want(t, "shipped/S1")
	if n := r.ch.sends[0]; n.Customer.Phone != "+37060000000" {
		t.Errorf("contact changed without Steps: %s", n.Customer.Phone)
	}
}

// TestReturnNeverSentIsNotWaitedForEver: a return parcel the carrier never scans keeps the
// order's workflow for ReturnWatch after its announcement, not longer.
func TestReturnNeverSentIsNotWaitedForEver(t *testing.T) {
	r := journeyRun(t)
	r.settings.ReturnWatch = 200 * time.Hour
	r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN-OUT", 24*time.Hour))
	r.scan(2*time.Hour, tracking("d1", "TN-OUT", order.ShipmentDelivered, 2*time.Hour))
	ret := r.event(order.EventReturnInitiated, 3*time.Hour)
	ret.ReturnShipment = &order.ShipmentInfo{ID: "R9", Carrier: "DPD", TrackingNumber: "TN-NEVER"}
	r.commerce(3*time.Hour, ret)
	r.at(150*time.Hour, func() {
		if r.env.IsWorkflowCompleted() {
			t.Error("finished before the return watch ran out")
		}
	})
	r.start()
	r.completed()
	if now := r.env.Now(); now.Before(t0.Add(203*time.Hour)) || now.After(t0.Add(204*time.Hour)) {
		t.Errorf("finished at %s, want at the end of the watch (t0+203h)", now.Sub(t0))
	}
	r.ch.want(t, "shipped/S1", "delivered/S1")
}

// TestCancelledAtNightCompletesAtOnce is issue 15's "a cancelled order completes at once" with
// the milestones a deployment tells by default, the cancellation among them, and the default
// quiet hours: an order confirmed and cancelled at 22:00 customer-local tells the cancellation
// then, not at 08:00, drops the held confirmation as superseded, and its workflow completes
// within the hour rather than ten hours later.
func TestCancelledAtNightCompletesAtOnce(t *testing.T) {
	r := journeyRun(t)
	r.settings.QuietHours = order.QuietHours{Start: 21 * 60, End: 8 * 60}
	night := time.Date(2026, 5, 7, 19, 0, 0, 0, time.UTC) // 22:00 in Vilnius
	r.env.SetStartTime(night)
	created := r.created()
	created.Timestamp = night
	r.commerce(time.Minute, r.event(order.EventConfirmed, 0))
	cancelled := r.event(order.EventCancelled, 0)
	cancelled.Reason = "customer asked"
	r.commerce(30*time.Minute, cancelled)
	r.env.ExecuteWorkflow(workflows.Order, workflows.OrderInput{Created: &created, Settings: r.settings})
	r.completed()
	if took := r.env.Now().Sub(night); took > time.Hour {
		t.Errorf("the cancelled order completed %s after it started, at the customer's morning", took)
	}
	r.ch.want(t, "cancelled/")
	if got := strings.Join(r.ch.superseded, " "); got != "confirmed/" {
		t.Errorf("superseded %q, want confirmed/", got)
	}
}
