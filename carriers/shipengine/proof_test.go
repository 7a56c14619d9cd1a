package shipengine_test

import (
	"testing"

	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

// A delivered webhook's proof of delivery goes on its delivered scan, and only there.
func TestProofOfDelivery(t *testing.T) {
	d := fixture.MustParse(t, shipengine.ParseWebhook, fixture.Load(t, "api_track_delivered.json"))
	want := order.Proof{SignedBy: "M JONES", Location: "Delivered, Parcel Locker", Place: order.DeliveryPlace("parcel_locker")}
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
