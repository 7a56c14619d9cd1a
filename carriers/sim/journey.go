package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// Scenario names a scripted journey; it is the second part of a sim
// tracking number, SIM-<scenario>-<anything>.
type Scenario string

// The journeys. Each is meant to make one part of shipflow visible.
const (
	// Smooth: label, pick-up in Riga, the Kaunas hub, out for delivery in
	// Vilnius, delivered; the happy path and its notifications.
	Smooth Scenario = "smooth"
	// Delayed: picked up and sent on its way, then no scan ever again; the
	// estimate passes, so staleness and late detection fire.
	Delayed Scenario = "delayed"
	// Failed: out for delivery, a failed attempt, out again the next day
	// (three steps later), delivered.
	Failed Scenario = "failed"
	// Exception: damaged at the Kaunas hub and held; an exception that
	// stays open for staff.
	Exception Scenario = "exception"
	// Return: a failed attempt, left at a parcel locker, not collected,
	// returned to the sender.
	Return Scenario = "return"
)

// Scenarios lists every journey, for demos and load tests that want one
// of each.
func Scenarios() []Scenario { return []Scenario{Smooth, Delayed, Failed, Exception, Return} }

// TrackingNumber makes a sim tracking number for s, unique by suffix.
func TrackingNumber(s Scenario, suffix string) string {
	return "SIM-" + string(s) + "-" + suffix
}

// ParseScenario reads the scenario out of a sim tracking number,
// case-insensitively; anything else is Smooth.
func ParseScenario(trackingNumber string) Scenario {
	parts := strings.SplitN(strings.TrimSpace(trackingNumber), "-", 3)
	if len(parts) >= 2 && strings.EqualFold(parts[0], "SIM") {
		s := Scenario(strings.ToLower(strings.TrimSpace(parts[1])))
		if _, ok := scripts[s]; ok {
			return s
		}
	}
	return Smooth
}

// scan is one scripted step: at a whole number of steps after the origin,
// with the delivery estimate the carrier gives from then on (in steps
// after the origin; -1 for none).
type scan struct {
	at        int
	status    order.ShipmentStatus
	raw       string // the sim carrier's own event code
	substatus string
	desc      string
	loc       order.Location
	eta       int
}

// Places on the journeys.
var (
	riga      = order.Location{City: "Rīga", PostalCode: "LV-1050", Country: "LV"}
	kaunas    = order.Location{City: "Kaunas", Region: "Kauno apskritis", PostalCode: "LT-44248", Country: "LT"}
	vilnius   = order.Location{City: "Vilnius", Region: "Vilniaus apskritis", PostalCode: "LT-01103", Country: "LT"}
	panevezys = order.Location{City: "Panevėžys", PostalCode: "LT-35173", Country: "LT"}
)

// Steps every journey starts with.
var (
	labelled = scan{at: 0, status: order.ShipmentInfoReceived, raw: "IR", substatus: "label_created",
		desc: "Shipment information received, awaiting parcel", loc: riga, eta: 5}
	pickedUp = scan{at: 1, status: order.ShipmentInTransit, raw: "PU", substatus: "picked_up",
		desc: "Parcel picked up from sender", loc: riga, eta: 5}
	departed = scan{at: 2, status: order.ShipmentInTransit, raw: "DP", substatus: "departed_facility",
		desc: "Departed Riga sorting centre", loc: riga, eta: 5}
	atHub = scan{at: 3, status: order.ShipmentInTransit, raw: "AR", substatus: "arrived_at_facility",
		desc: "Arrived at Kaunas sorting hub", loc: kaunas, eta: 5}
	outForDelivery = scan{at: 4, status: order.ShipmentOutForDelivery, raw: "OFD", substatus: "out_for_delivery",
		desc: "Out for delivery with courier", loc: vilnius, eta: 5}
	attemptFailed = scan{at: 5, status: order.ShipmentAttemptFailed, raw: "AF", substatus: "recipient_not_home",
		desc: "Delivery attempted, recipient not at home", loc: vilnius, eta: 8}
)

// scripts are the journeys, in step order.
var scripts = map[Scenario][]scan{
	Smooth: {labelled, pickedUp, departed, atHub, outForDelivery,
		{at: 5, status: order.ShipmentDelivered, raw: "DL", substatus: "delivered",
			desc: "Delivered, handed to recipient", loc: vilnius, eta: 5},
	},
	Delayed: {labelled, pickedUp, departed},
	Failed: {labelled, pickedUp, departed, atHub, outForDelivery, attemptFailed,
		{at: 8, status: order.ShipmentOutForDelivery, raw: "OFD", substatus: "out_for_delivery",
			desc: "Out for delivery, second attempt", loc: vilnius, eta: 9},
		{at: 9, status: order.ShipmentDelivered, raw: "DL", substatus: "delivered",
			desc: "Delivered, handed to recipient", loc: vilnius, eta: 9},
	},
	Exception: {labelled, pickedUp, departed,
		{at: 3, status: order.ShipmentException, raw: "EX", substatus: "damaged",
			desc: "Parcel damaged in transit, held at Kaunas sorting hub for inspection", loc: kaunas, eta: -1},
	},
	Return: {labelled, pickedUp, departed, atHub, outForDelivery, attemptFailed,
		{at: 6, status: order.ShipmentAvailableForPickup, raw: "PP", substatus: "parcel_locker",
			desc: "Awaiting collection at parcel locker, Panevėžio g. 12", loc: panevezys, eta: 9},
		{at: 9, status: order.ShipmentReturnedToSender, raw: "RS", substatus: "not_collected",
			desc: "Not collected within the storage period, returning to sender", loc: panevezys, eta: -1},
	},
}

// Journey is the whole scripted journey of trackingNumber from origin,
// every scan including those still to come, oldest first and without
// estimates (Track puts the current one on the newest scan it returns).
// Tests and demos use it to know where a parcel will end up.
func (c *Carrier) Journey(trackingNumber string, origin time.Time) []order.TrackingEvent {
	tn := strings.TrimSpace(trackingNumber)
	script := scripts[ParseScenario(tn)]
	events := make([]order.TrackingEvent, len(script))
	for i, s := range script {
		events[i] = order.TrackingEvent{
			ID:             eventID(tn, i),
			Source:         "poll",
			Carrier:        Name,
			TrackingNumber: tn,
			Status:         s.status,
			Substatus:      s.substatus,
			RawStatus:      s.raw,
			Description:    s.desc,
			Location:       s.loc,
			OccurredAt:     c.at(origin, s.at),
		}
	}
	return events
}

// estimate is the delivery estimate the carrier gives once scan i of
// trackingNumber's journey has happened.
func (c *Carrier) estimate(trackingNumber string, origin time.Time, i int) *time.Time {
	s := scripts[ParseScenario(trackingNumber)][i]
	if s.eta < 0 {
		return nil
	}
	t := c.at(origin, s.eta)
	return &t
}

func (c *Carrier) at(origin time.Time, steps int) time.Time {
	return origin.UTC().Add(time.Duration(steps) * c.step())
}

// eventID hashes the tracking number and the step, and nothing that
// depends on when or where the journey was computed.
func eventID(trackingNumber string, step int) string {
	h := sha256.New()
	for _, s := range []string{Name, order.TrackingKey(trackingNumber), strconv.Itoa(step)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
