package order

import (
	"slices"
	"strings"
	"time"
)

// RegistrationStatus says where a shipment stands with the tracking providers (AfterShip,
// EasyPost, ShipEngine), which report a parcel only once it is registered with them.
type RegistrationStatus string

// Registration statuses.
const (
	// RegistrationRegistered: a provider tracks the parcel (it may have had it already).
	RegistrationRegistered RegistrationStatus = "registered"
	// RegistrationRefused: every provider refused the carrier or the number; the parcel is
	// polled as it can be, and staff read why.
	RegistrationRefused RegistrationStatus = "refused"
	// RegistrationFailed: no provider could be reached before registration gave up; the
	// parcel is polled as it can be.
	RegistrationFailed RegistrationStatus = "failed"
	// RegistrationNotNeeded: the carrier has its own tracking API (the sim carrier), which
	// needs no registration.
	RegistrationNotNeeded RegistrationStatus = "not_needed"
)

// Entry types of registration.
const (
	EntryTrackingRegistered    = "tracking.registered"
	EntryTrackingNotRegistered = "tracking.not_registered"
)

// Registration is what registering a shipment's parcel came to.
type Registration struct {
	Status RegistrationStatus `json:"status"`
	// Provider is the provider that tracks the parcel, "" when none does.
	Provider string `json:"provider,omitempty"`
	// CarrierCode is the provider's code for the carrier the parcel was registered under,
	// which polls of that provider ask with.
	CarrierCode string `json:"carrier_code,omitempty"`
	// Reason says why no provider tracks the parcel.
	Reason string `json:"reason,omitempty"`
	// Refusals are the providers tried before, in order, and what each said.
	Refusals []Refusal `json:"refusals,omitempty"`
	At       time.Time `json:"at"`
}

// Refusal is one provider's refusal to track a parcel.
type Refusal struct {
	Provider string `json:"provider"`
	Reason   string `json:"reason"`
}

// Bounds on what a registration records: provider names and codes are short codes, reasons
// are free text from the providers, and a deployment has a handful of providers.
const maxRefusals = 8

// clean makes a registration safe to keep and show: the providers' words are not ours to
// refuse, so they are cut and cleaned instead.
func (r Registration) clean() Registration {
	r.Provider = CleanText(strings.TrimSpace(r.Provider), MaxCodeLen)
	r.CarrierCode = CleanText(strings.TrimSpace(r.CarrierCode), MaxCodeLen)
	r.Reason = CleanText(strings.TrimSpace(r.Reason), MaxTextLen)
	r.Refusals = slices.Clone(r.Refusals[:min(len(r.Refusals), maxRefusals)])
	for i, f := range r.Refusals {
		r.Refusals[i] = Refusal{Provider: CleanText(f.Provider, MaxCodeLen), Reason: CleanText(f.Reason, MaxTextLen)}
	}
	r.At = utc(r.At)
	return r
}

// Unregistered are the ids of the shipments whose parcels still need registering with the
// tracking providers: announced, not registered or tried yet, still on their way, and of an
// order the merchant has not closed.
func (o *Order) Unregistered() []string {
	if o.closed() {
		return nil
	}
	var ids []string
	for _, s := range o.Shipments {
		if s.Registration == nil && active(s) && !s.Status.Final() {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Registered records what registering shipment id's parcel came to, on the shipment (the
// poller then asks the provider that took it) and, for staff, on the timeline: which
// provider tracks it, or why none does. A shipment no longer known, or whose parcel changed
// since (a corrected tracking number is registered afresh), is left alone: ok is false.
func (o *Order) Registered(shipmentID, trackingNumber string, r Registration) (fx []Effect, ok bool) {
	i := o.shipmentByID(shipmentID)
	if i < 0 || TrackingKey(o.Shipments[i].TrackingNumber) != TrackingKey(trackingNumber) {
		return nil, false
	}
	r = r.clean()
	s := &o.Shipments[i]
	s.Registration = &r
	b := &batch{o: o}
	if r.Status != RegistrationNotNeeded {
		o.record(registrationEntry(s, r))
	}
	o.settle(b, r.At)
	return b.fx, true
}

// registrationEntry is the timeline's line for a registration: "registered with aftership
// (dpd)", or "not registered: every provider refused" with each refusal in the note.
func registrationEntry(s *Shipment, r Registration) Entry {
	e := Entry{At: r.At, Kind: KindSystem, ShipmentID: s.ID, TrackingNumber: s.TrackingNumber, Source: r.Provider}
	if r.Status == RegistrationRegistered {
		e.Type = EntryTrackingRegistered
		e.Description = "registered with " + r.Provider
		if r.CarrierCode != "" {
			e.Description += " (" + r.CarrierCode + ")"
		}
	} else {
		e.Type = EntryTrackingNotRegistered
		e.Description = "not registered (" + string(r.Status) + ")"
		if r.Reason != "" {
			e.Description += ": " + r.Reason
		}
	}
	for _, f := range r.Refusals {
		e.note(f.Provider + " refused: " + f.Reason)
	}
	return e
}
