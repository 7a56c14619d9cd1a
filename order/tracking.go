package order

import (
	"fmt"
	"time"
)

// ApplyTracking applies a carrier scan to the shipment with its tracking
// number. A scan for a tracking number the order does not have returns nil
// and is not remembered, so the caller can hold it until the shipment
// appears (check HasShipment first).
func (o *Order) ApplyTracking(e TrackingEvent) []Effect { return o.ApplyTrackingAs(e, Steps{}) }

// ApplyTrackingAs is ApplyTracking under the journey's rules s.
func (o *Order) ApplyTrackingAs(e TrackingEvent, st Steps) []Effect {
	i := o.shipmentByTracking(e.TrackingNumber, e.Carrier)
	if i < 0 {
		return nil
	}
	if e.ID != "" {
		if o.seen(seenTracking + e.ID) {
			return nil
		}
		o.remember(seenTracking + e.ID)
	}
	s := o.Shipments[i]
	ent := Entry{
		At:             utc(e.OccurredAt),
		Kind:           KindTracking,
		Type:           string(e.Status),
		ShipmentID:     s.ID,
		TrackingNumber: s.TrackingNumber,
		Substatus:      e.Substatus,
		Description:    e.Description,
		EventID:        e.ID,
		Source:         e.Source,
	}
	var proof *Proof
	if p := e.Proof; p != nil && e.Status == ShipmentDelivered && !p.IsZero() {
		c := *p
		proof = &c
		ent.Proof = &c
	}
	var loc *Location
	if !e.Location.IsZero() {
		l := e.Location
		loc = &l
		ent.Location = &l
	}
	b := &batch{o: o, steps: st}
	switch err := e.Validate(); {
	case err != nil:
		ent.ignore("invalid: " + err.Error())
	case o.CancelledAt != nil:
		ent.ignore("tracking after order cancelled")
	default:
		o.track(b, i, scan{
			status:    e.Status,
			substatus: e.Substatus,
			raw:       e.RawStatus,
			desc:      e.Description,
			loc:       loc,
			at:        ent.At,
			eta:       utcp(e.EstimatedDelivery),
			proof:     proof,
		}, &ent)
	}
	o.record(ent)
	o.settle(b, ent.At)
	return b.fx
}

// scan is one status report about a shipment, from a carrier or from the
// merchant's delivery confirmation.
type scan struct {
	status         ShipmentStatus
	substatus, raw string
	desc           string
	loc            *Location
	at             time.Time
	eta            *time.Time
	proof          *Proof
}

// track applies sc to shipment i under the ordering rule (docs/reference/statuses.md):
// the newest report by time wins (a report as new as the last one wins too,
// being the later arrival), and after delivered only returned_to_sender or
// exception may follow. Once the order is returned the shipment is still
// tracked, but quietly: the customer is not messaged and no exception is
// raised for a parcel that is meant to go back.
func (o *Order) track(b *batch, i int, sc scan, ent *Entry) {
	s := &o.Shipments[i]
	if p := sc.proof; p != nil && s.Status == ShipmentDelivered && s.Proof == nil {
		// A repeat report of the delivery moves nothing else, but carriers add their proof
		// after the first scan: the first one given is kept.
		c := *p
		s.Proof = &c
	}
	if s.LastEventAt != nil && sc.at.Before(*s.LastEventAt) {
		ent.ignore(fmt.Sprintf("older than the shipment's latest event (%s)", s.LastEventAt.Format(time.RFC3339)))
		return
	}
	if s.Status == ShipmentDelivered && !sc.status.afterDelivered() {
		ent.ignore(fmt.Sprintf("%s after delivered", sc.status))
		return
	}
	prev := s.Status
	// A second report of the same failed attempt (same time) is not a
	// second attempt.
	attempt := sc.status == ShipmentAttemptFailed &&
		(prev != ShipmentAttemptFailed || s.LastEventAt == nil || sc.at.After(*s.LastEventAt))
	s.Status, s.Substatus, s.RawStatus = sc.status, sc.substatus, sc.raw
	if sc.loc != nil {
		l := *sc.loc
		s.LastLocation = &l
	}
	if sc.eta != nil {
		s.EstimatedDelivery, s.ETASource = sc.eta, ETACarrier
	}
	at := sc.at
	s.LastEventAt = &at
	if sc.status == ShipmentDelivered && s.DeliveredAt == nil {
		d := sc.at
		s.DeliveredAt = &d
	}
	if p := sc.proof; p != nil && sc.status == ShipmentDelivered && s.Proof == nil {
		c := *p
		s.Proof = &c
	}
	if attempt {
		s.FailedAttempts++
	}
	changed := prev != s.Status
	if changed {
		b.publish(PublishShipmentUpdated, s.ID)
	}
	if s.Return {
		if changed {
			trackReturn(b, s)
		}
		return
	}
	if o.ReturnedAt != nil {
		return
	}
	if x := o.Exception; x != nil && x.clearedBy(s.ID, sc.status, sc.at) {
		o.clear(b, CarrierProgress)
	}
	if attempt {
		b.notify(MilestoneAttemptFailed, s.ID)
		if s.FailedAttempts >= 2 {
			o.raise(b, Exception{
				Reason: ReasonFailedAttempts, ShipmentID: s.ID, RaisedAt: sc.at, Source: ent.Source,
				Message: fmt.Sprintf("%d failed delivery attempts", s.FailedAttempts),
			}, ent)
		}
	}
	if !changed {
		return
	}
	switch sc.status {
	case ShipmentInTransit:
		b.tell(MilestoneInTransit, s.ID)
	case ShipmentOutForDelivery:
		b.notify(MilestoneOutForDelivery, s.ID)
		b.publish(PublishShipmentOutForDelivery, s.ID)
	case ShipmentAvailableForPickup:
		b.notify(MilestoneAvailableForPickup, s.ID)
	case ShipmentDelivered:
		b.notify(MilestoneDelivered, s.ID)
	case ShipmentException:
		o.raise(b, Exception{
			Reason: ReasonCarrierException, ShipmentID: s.ID, RaisedAt: sc.at, Source: ent.Source,
			Message: problem(sc),
		}, ent)
	case ShipmentReturnedToSender:
		o.raise(b, Exception{
			Reason: ReasonReturnedToSender, ShipmentID: s.ID, RaisedAt: sc.at, Source: ent.Source,
			Message: problem(sc),
		}, ent)
	}
}

// problem is the staff-facing message for a carrier problem: the carrier's
// words when there are any.
func problem(sc scan) string {
	switch {
	case sc.desc != "":
		return sc.desc
	case sc.substatus != "":
		return sc.substatus
	}
	return string(sc.status)
}
