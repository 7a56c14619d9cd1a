package order

import "time"

// The ETA rules live here because the read model, the voice assistant and the tracking page
// all tell it, and told it differently: the read model gave a parcel on its way back to the
// shop an estimate that voice did not.

// Expected is the ETA of a shipment in status s whose latest estimate is est: est, or nil
// when the shipment is no longer coming (Final). Callers holding a status and an estimate
// outside the order's types (a message's shipment summary) ask it directly.
func (s ShipmentStatus) Expected(est *time.Time) *time.Time {
	if s.Final() {
		return nil
	}
	return est
}

// ETA is when the shipment is expected (ShipmentStatus.Expected).
func (s ShipmentView) ETA() *time.Time { return s.Status.Expected(s.EstimatedDelivery) }

// ETA is when the shipment is expected (ShipmentStatus.Expected).
func (s Shipment) ETA() *time.Time { return s.Status.Expected(s.EstimatedDelivery) }

// ETA is when the whole order is expected: the latest ETA among its shipments, or nil when
// no shipment still coming has one. The shop's promised date is not an estimate and is not
// taken; a caller that says it says it as the promise.
func (v View) ETA() *time.Time {
	var eta *time.Time
	for _, s := range v.Shipments {
		if s.Return {
			continue // going back to the shop: not what the customer waits for
		}
		eta = later(eta, s.ETA())
	}
	return eta
}

// ETA is the order's ETA as View.ETA tells it, without making a view.
func (o *Order) ETA() *time.Time {
	var eta *time.Time
	for _, s := range o.Shipments {
		if s.Return {
			continue
		}
		eta = later(eta, s.ETA())
	}
	return eta
}

// later is the later of a and b as a copy, nil when both are.
func later(a, b *time.Time) *time.Time {
	if b == nil || (a != nil && !b.After(*a)) {
		return a
	}
	t := *b
	return &t
}
