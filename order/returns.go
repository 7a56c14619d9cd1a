package order

import (
	"strconv"
	"time"
)

// A return parcel (order.return.initiated's return_shipment, under Steps.Returns) is one of
// the order's Shipments marked Return. It is polled and matched by tracking number like any
// parcel, and has its own timeline entries, shipment.updated events and messages
// (return_in_transit on its first scan, return_received when delivered back), but it is no
// part of the order's stage or ETA: the order is returned from the moment the return was
// announced, and the outbound parcels' journey is not reopened, nor watched for staleness or
// lateness (the order is closed, so Raise refuses them).

// addReturn adds the return parcel si. later says the return was announced before, so the
// parcel is news of its own for subscribers.
func (o *Order) addReturn(b *batch, si ShipmentInfo, ent *Entry, later bool) {
	if !b.steps.Returns {
		ent.note("return parcel not tracked: the order started before returns were")
		return
	}
	id := si.ID
	if id == "" {
		n := 1
		for _, s := range o.Shipments {
			if s.Return {
				n++
			}
		}
		id = "return-" + strconv.Itoa(n)
	}
	ent.ShipmentID, ent.TrackingNumber = id, si.TrackingNumber
	if i := o.shipmentByID(id); i >= 0 {
		if s := o.Shipments[i]; s.Return && TrackingKey(s.TrackingNumber) == TrackingKey(si.TrackingNumber) {
			ent.ignore("return parcel " + id + " already known")
		} else {
			ent.ignore("return parcel not tracked: shipment id " + id + " is taken")
		}
		return
	}
	if o.HasShipment(si.TrackingNumber) {
		ent.ignore("return parcel not tracked: tracking number " + si.TrackingNumber + " is already one of the order's")
		return
	}
	o.Shipments = append(o.Shipments, Shipment{
		ID: id, Carrier: si.Carrier, TrackingNumber: si.TrackingNumber, Status: ShipmentInfoReceived,
		ShippedAt: ent.At, Return: true,
	})
	ent.note("return parcel " + id + " tracked")
	if later {
		b.publish(PublishShipmentUpdated, id)
	}
}

// trackReturn tells the customer of the return parcel's progress: on its way at its first
// scan by the carrier, received once delivered back. Problems with it raise nothing: the
// order is closed, and the merchant's own returns desk sees the parcel.
func trackReturn(b *batch, s *Shipment) {
	switch s.Status {
	case ShipmentInTransit, ShipmentOutForDelivery, ShipmentAvailableForPickup, ShipmentAttemptFailed:
		b.tell(MilestoneReturnInTransit, s.ID)
	case ShipmentDelivered:
		b.tell(MilestoneReturnReceived, s.ID)
	}
}

// ReturnPending reports whether a return parcel is still on its way back, and the newest
// news of those that are (a scan, or the return itself). The workflow keeps the order alive
// for it, up to a bound after that news, so a parcel never dropped off is not watched for ever.
func (o *Order) ReturnPending() (last time.Time, ok bool) {
	for _, s := range o.Shipments {
		if !s.Return || s.Status.Final() {
			continue
		}
		at := s.ShippedAt
		if s.LastEventAt != nil && s.LastEventAt.After(at) {
			at = *s.LastEventAt
		}
		if !ok || at.After(last) {
			last, ok = at, true
		}
	}
	return last, ok
}
