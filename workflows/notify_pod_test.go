package workflows_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
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

// TestDeliveredEventCarriesProof: the carrier's proof of delivery reaches subscribers in the
// order.delivered event, as the body every delivery of it carries, and the read model.
func TestDeliveredEventCarriesProof(t *testing.T) {
	r := newRun(t)
	proof := order.NewProof("J. Smith", "Left at front door", "https://pod.example.com/p/1.jpg")
	r.commerce(time.Hour, r.shipped(time.Hour, "S1", "TN1", 3*day))
	done := tracking("scan-1", "TN1", order.ShipmentDelivered, 2*time.Hour)
	done.Proof = proof
	r.scan(2*time.Hour, done)
	r.start()
	r.completed()

	ctx, pool := t.Context(), testenv.DB(t)
	var e outbound.Event
	err := pool.QueryRow(ctx, `SELECT id, order_id, seq, type, shipment_id, data, created_at FROM order_events WHERE order_id = $1 AND type = $2`,
		r.orderID, order.PublishOrderDelivered).Scan(&e.ID, &e.OrderID, &e.Seq, &e.Type, &e.ShipmentID, &e.Data, &e.CreatedAt)
	if err != nil {
		t.Fatalf("the order.delivered event: %v", err)
	}
	raw, err := json.Marshal(outbound.NewBody(e, 1))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Data struct {
			Shipments []struct {
				Proof *order.Proof `json:"proof_of_delivery"`
			} `json:"shipments"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	if s := body.Data.Shipments; len(s) != 1 || s[0].Proof == nil || *s[0].Proof != *proof {
		t.Errorf("order.delivered body %s, want the shipment's proof_of_delivery %+v", raw, *proof)
	}

	v, _, err := db.GetOrder(ctx, pool, r.orderID)
	if err != nil {
		t.Fatal(err)
	}
	if p := v.Shipments[0].Proof; p == nil || *p != *proof {
		t.Errorf("read model proof %+v, want %+v", p, *proof)
	}
}
