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

// ETASource says who gave a shipment's estimated delivery: staff and subscribers weigh a
// carrier's date and shipflow's own estimate differently, and the customer is told an
// estimate as one.
type ETASource string

// ETA sources.
const (
	// ETACarrier: the carrier's or tracking provider's date.
	ETACarrier ETASource = "carrier"
	// ETAMerchant: the date the shop sent with order.shipped.
	ETAMerchant ETASource = "merchant"
	// ETAEstimate: shipflow's estimate (package estimate) when nobody gave one.
	ETAEstimate ETASource = "estimate"
	// ETADriver: a driver's revised time (the voice assistant's report_delay).
	ETADriver ETASource = "driver"
)

// EntryETAEstimated is the timeline entry of an estimate made for a shipment.
const EntryETAEstimated = "eta.estimated"

// Estimate is a delivery day shipflow estimated for a shipment no one gave one for. It is
// made outside the lifecycle rules (its holiday data changes with a library upgrade) and
// applied as data, so a replay applies the same day.
type Estimate struct {
	ShipmentID string `json:"shipment_id"`
	// Date is the day, midnight UTC: the date-only form carriers use too.
	Date time.Time `json:"date"`
	// Basis says how the day was reached, for staff.
	Basis string `json:"basis,omitempty"`
	// At is when the estimate was made.
	At time.Time `json:"at"`
}

// Estimated applies an estimate to its shipment, unless someone has given a date since (an
// estimate never overrides a carrier, the merchant or a driver) or the shipment is no longer
// coming. The estimate is made as the shipment is announced, so it publishes nothing of its
// own: the order.shipped event it follows carries it.
//
// An estimate without a shipment is the order's, made as it is created: kept only while the
// shop has promised no date and nothing has shipped.
func (o *Order) Estimated(e Estimate) []Effect {
	if e.ShipmentID == "" {
		if e.Date.IsZero() || !o.NeedsOrderEstimate() {
			return nil
		}
		d := utc(e.Date)
		o.EstimatedDelivery = &d
		o.record(Entry{
			At: utc(e.At), Kind: KindSystem, Type: EntryETAEstimated,
			Description: "estimated delivery " + d.Format(time.DateOnly), Note: CleanText(e.Basis, MaxTextLen), Source: string(ETAEstimate),
		})
		return nil
	}
	i := o.shipmentByID(e.ShipmentID)
	if i < 0 || e.Date.IsZero() {
		return nil
	}
	s := &o.Shipments[i]
	if s.Status.Final() || s.EstimatedDelivery != nil && s.ETASource != ETAEstimate {
		return nil
	}
	d := utc(e.Date)
	s.EstimatedDelivery, s.ETASource = &d, ETAEstimate
	at := utc(e.At)
	o.record(Entry{
		At: at, Kind: KindSystem, Type: EntryETAEstimated, ShipmentID: s.ID, TrackingNumber: s.TrackingNumber,
		Description: "estimated delivery " + d.Format(time.DateOnly), Note: CleanText(e.Basis, MaxTextLen), Source: string(ETAEstimate),
	})
	b := &batch{o: o}
	o.settle(b, at)
	return b.fx
}

// NeedsOrderEstimate reports whether the order has no date to tell before it ships: the shop
// promised none, none was estimated, and nothing has shipped.
func (o *Order) NeedsOrderEstimate() bool {
	return o.PromisedDelivery == nil && o.EstimatedDelivery == nil && len(o.Shipments) == 0 && !o.closed()
}

// NeedsEstimate reports whether a shipment announced by e would have no delivery date: the
// workflow asks for an estimate before applying it.
func (o *Order) NeedsEstimate(e CommerceEvent) bool {
	if e.Type != EventShipped || e.Shipment == nil || e.Shipment.EstimatedDelivery != nil || o.closed() {
		return false
	}
	if i := o.shipmentByID(e.Shipment.ID); i >= 0 {
		return o.Shipments[i].EstimatedDelivery == nil && !o.Shipments[i].Status.Final()
	}
	return true
}

// Destination is the country the order goes to (ISO 3166-1 alpha-2 as the shop wrote it), ""
// when the shop gave no address.
func (o *Order) Destination() string {
	if a := o.ShippingAddress; a != nil {
		return a.Country
	}
	return ""
}

// Due is when a shipment expected at eta counts as overdue, before any grace. A date without
// a time of day (midnight UTC, the form carriers and shipflow's estimate give a day in) means
// "some time that day", so it is due when the day ends; a time of day is due then.
func Due(eta time.Time) time.Time {
	if u := eta.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.AddDate(0, 0, 1)
	}
	return eta
}

// Said is how a timeline or staff message names an ETA's source: "the carrier's estimate",
// "shipflow's estimate"; "" for an unknown source.
func (s ETASource) Said() string {
	switch s {
	case ETACarrier:
		return "the carrier's date"
	case ETAMerchant:
		return "the merchant's date"
	case ETAEstimate:
		return "shipflow's estimate"
	case ETADriver:
		return "the driver's revised time"
	}
	return ""
}

// ETASource is who gave the order's ETA (View.ETA): the source of the parcel it is taken
// from, "" when there is none. The customer is told shipflow's estimate as an estimate.
func (v View) ETASource() ETASource {
	var eta *time.Time
	var src ETASource
	for _, s := range v.Shipments {
		if s.Return {
			continue
		}
		if e := s.ETA(); e != nil && (eta == nil || e.After(*eta)) {
			eta, src = e, s.ETASource
		}
	}
	return src
}
