package trackpage

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// TestPageNoArrivalForParcelNotComing: the page tells a parcel's arrival by order's ETA rule,
// as the read model and voice do: a parcel going back to the shop has none, and a parcel at a
// pickup point says where it waits instead.
func TestPageNoArrivalForParcelNotComing(t *testing.T) {
	for _, st := range []order.ShipmentStatus{order.ShipmentReturnedToSender, order.ShipmentCancelled, order.ShipmentAvailableForPickup} {
		v := inTransit()
		v.Shipments[0].Status = st
		if body := pageOf(t, v); strings.Contains(body, "Arrives") {
			t.Errorf("%s: the page shows an arrival estimate", st)
		}
	}
	if body := pageOf(t, inTransit()); !strings.Contains(body, "Arrives tomorrow by 5:00 PM") {
		t.Error("a parcel in transit lost its arrival estimate")
	}
}
