package workflows_test

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

// The customer's messages learn who gave a parcel's date and where a delivered parcel was
// left, so a message can word an estimate as one and say the place's fixed sentence.
func TestMessagesCarryETASourceAndPlace(t *testing.T) {
	r := newRun(t)
	r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN1", 3*day))
	done := tracking("scan-1", "TN1", order.ShipmentDelivered, 2*time.Hour)
	done.Proof = order.NewProof("Ona P.", "left at front door", "")
	r.scan(2*time.Hour, done)
	r.at(3*time.Hour, func() { r.env.CancelWorkflow() })
	r.start()
	var shipped, delivered bool
	for _, n := range r.ch.sends {
		switch n.Milestone {
		case order.MilestoneShipped:
			shipped = true
			if src := n.Shipments[0].ETASource; src != order.ETAMerchant {
				t.Errorf("shipped message: ETA source %q, want merchant", src)
			}
		case order.MilestoneDelivered:
			delivered = true
			if p := n.Shipments[0].Place; p != order.PlaceFrontDoor {
				t.Errorf("delivered message: place %q, want front_door", p)
			}
		}
	}
	if !shipped || !delivered {
		t.Errorf("sent %v, want the shipped and delivered messages", r.ch.sent())
	}
}
