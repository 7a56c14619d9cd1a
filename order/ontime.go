package order

import "time"

// DueBy is when shipment s had to arrive to count as on time: the shop's promised date for the
// order when it gave one, else the shipment's latest estimate (the carrier's, the merchant's, a
// driver's or shipflow's own), read as Due reads it, so a date without a time of day lasts to
// the end of that day. Nil when there is neither, and for a parcel going back to the shop,
// which nobody waits for.
//
// The rule lives here rather than in a query because the read model stores its answer per
// shipment (db.SaveOrder), which is what keeps the console's on-time rate an index range scan
// at any table size.
func (v View) DueBy(s ShipmentView) *time.Time {
	if s.Return {
		return nil
	}
	at := v.PromisedDelivery
	if at == nil {
		at = s.EstimatedDelivery
	}
	if at == nil {
		return nil
	}
	d := Due(*at)
	return &d
}
