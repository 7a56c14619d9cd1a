package aftership_test

import (
	"testing"

	"github.com/shipflow/shipflow/carriers/aftership"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

// A delivered webhook's proof of delivery goes on its delivered scan, and only there.
func TestProofOfDelivery(t *testing.T) {
	d := fixture.MustParse(t, aftership.ParseWebhook, fixture.Load(t, "delivered_signed.json"))
	want := order.Proof{SignedBy: "J. SMITH", Location: "Delivered, left at front door", Place: order.DeliveryPlace("front_door")}
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
