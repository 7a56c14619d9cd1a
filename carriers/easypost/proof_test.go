package easypost_test

import (
	"testing"

	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

// A delivered webhook's proof of delivery goes on its delivered scan, and only there.
func TestProofOfDelivery(t *testing.T) {
	d := fixture.MustParse(t, easypost.ParseWebhook, fixture.Load(t, "tracker_delivered.json"))
	want := order.Proof{SignedBy: "John Smith", Location: "Delivered, In/At Mailbox", Place: order.DeliveryPlace("mailbox")}
	var got *order.Proof
	for _, e := range d.Tracking {
		switch {
		case e.Proof != nil && e.Status != order.ShipmentDelivered:
			t.Errorf("a %s scan carries a proof: %+v", e.Status, e.Proof)
		case e.Proof != nil:
			got = e.Proof
		}
	}
	if got == nil || *got != want {
		t.Errorf("proof %+v, want %+v", got, want)
	}
}
