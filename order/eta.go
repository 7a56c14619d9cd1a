package order

import "time"

// The ETA rules live here because the read model, the voice assistant and the tracking page
// all tell it, and told it differently: the read model gave a parcel on its way back to the
// shop an estimate that voice did not.

// Final reports whether a shipment in status s has finished its journey to the customer:
// delivered, cancelled, or returned to the sender. A carrier's estimate for it is stale.
func (s ShipmentStatus) Final() bool {
	switch s {
	case ShipmentDelivered, ShipmentCancelled, ShipmentReturnedToSender:
		return true
	}
	return false
}

// ETA is when the shipment is expected: its latest estimate, or nil when there is none or
// the shipment is no longer coming (Final).
func (s ShipmentView) ETA() *time.Time {
	if s.Status.Final() {
		return nil
	}
	return s.EstimatedDelivery
}

// ETA is when the whole order is expected: the latest ETA among its shipments, or nil when
// no shipment still coming has one. The shop's promised date is not an estimate and is not
// taken; a caller that says it says it as the promise.
func (v View) ETA() *time.Time {
	var eta *time.Time
	for _, s := range v.Shipments {
		if e := s.ETA(); e != nil && (eta == nil || e.After(*eta)) {
			t := *e
			eta = &t
		}
	}
	return eta
}
