package order

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ExceptionReason says what kind of problem an exception is, which decides
// who is alerted and what closes it.
type ExceptionReason string

// Exception reasons.
const (
	// ReasonCarrierException: the carrier reported a problem (damaged,
	// lost, refused, customs hold, address).
	ReasonCarrierException ExceptionReason = "carrier_exception"
	// ReasonReturnedToSender: the parcel is going back to the merchant.
	ReasonReturnedToSender ExceptionReason = "returned_to_sender"
	// ReasonFailedAttempts: delivery failed more than once.
	ReasonFailedAttempts ExceptionReason = "failed_attempts"
	// ReasonStale: the carrier has said nothing for too long.
	ReasonStale ExceptionReason = "stale"
	// ReasonLate: the promised delivery date has passed.
	ReasonLate ExceptionReason = "late"
	// ReasonDriverDelay: a driver reported a delay.
	ReasonDriverDelay ExceptionReason = "driver_delay"
)

// Exception is an open problem with the order that staff should look at.
// ShipmentID is empty for a problem with the order as a whole.
type Exception struct {
	Reason     ExceptionReason `json:"reason"`
	ShipmentID string          `json:"shipment_id,omitempty"`
	Message    string          `json:"message,omitempty"`
	RaisedAt   time.Time       `json:"raised_at"`
	Source     string          `json:"source,omitempty"`
	// DelayReason is a driver_delay's reason code: all a customer is told
	// of it. Message holds the driver's words, for staff and subscribers.
	DelayReason DelayReason `json:"delay_reason,omitempty"`
}

// clearedBy reports whether a newer scan in status st at time at on
// shipment id shows the problem is over. Any forward movement ends a stale
// spell, even one scanned before the alarm went off; lateness ends only
// with delivery; any other problem ends with movement reported after it.
func (x Exception) clearedBy(id string, st ShipmentStatus, at time.Time) bool {
	if x.ShipmentID != "" && x.ShipmentID != id {
		return false
	}
	switch x.Reason {
	case ReasonStale:
		return st.progress()
	case ReasonLate:
		return st == ShipmentDelivered && x.ShipmentID != ""
	}
	return st.progress() && !at.Before(x.RaisedAt)
}

// raise opens x unless an exception is already open, in which case the
// new problem is only noted on the entry: staff work one problem per order
// and the open one has the escalation clock running.
func (o *Order) raise(b *batch, x Exception, ent *Entry) bool {
	if y := o.Exception; y != nil {
		ent.note(fmt.Sprintf("%s not raised: %s already open", x.Reason, y.Reason))
		return false
	}
	o.Exception = &x
	b.fx = append(b.fx, RaiseException{Exception: x})
	b.notify(MilestoneDelayed, x.ShipmentID)
	b.publish(PublishShipmentException, x.ShipmentID)
	b.detail(EventDetail{Exception: &x})
	return true
}

// clear closes the open exception, if any.
func (o *Order) clear(b *batch, resolution string) {
	if o.Exception == nil {
		return
	}
	b.fx = append(b.fx, ClearException{Exception: *o.Exception, Resolution: resolution})
	o.Exception = nil
}

// ErrNoNote: staff closing an exception said nothing of what they did. The
// note is the exception's only record of how it ended, so it is required.
var ErrNoNote = errors.New("note is required: say what was done")

// CheckResolution checks what staff give to close an exception, the same
// for every way in (the API, the console): a note saying what was done, and
// the name it is attributed to, each text that can be stored and shown. The
// error is ErrNoNote or a *FieldError naming "note" or "by".
func CheckResolution(note, by string) error {
	if strings.TrimSpace(note) == "" {
		return ErrNoNote
	}
	if err := CheckText("note", note, MaxTextLen); err != nil {
		return err
	}
	return CheckText("by", by, MaxLineLen)
}

// ResolveException is staff closing the open exception, with a note of
// what they did. It returns ErrNoException when none is open, so the API
// can say so instead of pretending.
func (o *Order) ResolveException(note, by string, at time.Time) ([]Effect, error) {
	x := o.Exception
	if x == nil {
		return nil, ErrNoException
	}
	at = utc(at)
	o.record(Entry{
		At: at, Kind: KindStaff, Type: EntryExceptionResolved, ShipmentID: x.ShipmentID,
		Description: note, Actor: by, Note: string(x.Reason),
	})
	b := &batch{o: o}
	o.clear(b, ResolvedByStaff)
	o.settle(b, at)
	return b.fx, nil
}

// Raise opens an exception the workflow detected itself (a stale or late
// shipment). Raising the problem that is already open does nothing, so a
// timer can fire again without flooding the timeline; a different problem
// while one is open is only noted. It fails for a shipment the order does
// not have, an order that is cancelled or returned, and a delivered
// shipment (or order, when ShipmentID is empty).
func (o *Order) Raise(x Exception) ([]Effect, error) {
	if x.Reason == "" {
		return nil, required("reason")
	}
	if x.RaisedAt.IsZero() {
		return nil, required("raised_at")
	}
	if err := o.open(x.ShipmentID, false); err != nil {
		return nil, err
	}
	if y := o.Exception; y != nil && y.Reason == x.Reason && y.ShipmentID == x.ShipmentID {
		return nil, nil
	}
	x.RaisedAt = utc(x.RaisedAt)
	if x.Source == "" {
		x.Source = "system"
	}
	ent := Entry{At: x.RaisedAt, Kind: KindSystem, Type: EntryExceptionRaised, ShipmentID: x.ShipmentID, Description: x.Message, Note: string(x.Reason)}
	b := &batch{o: o}
	o.raise(b, x, &ent)
	o.record(ent)
	o.settle(b, x.RaisedAt)
	return b.fx, nil
}

// open checks that shipment id (or the whole order, for "") can still have a problem: the
// order is not closed and the shipment has not finished its journey (ShipmentStatus.Final).
// returnedOpen is the rule of runs recorded before a parcel returning to its sender counted
// as finished (DelayRules.ReturnedOpen).
func (o *Order) open(id string, returnedOpen bool) error {
	if o.closed() {
		return fmt.Errorf("%w: %s", ErrClosed, o.Status)
	}
	if id == "" {
		if o.progress() == StatusDelivered {
			return fmt.Errorf("order %w", ErrDelivered)
		}
		return nil
	}
	i := o.shipmentByID(id)
	if i < 0 {
		return fmt.Errorf("%w %s", ErrUnknownShipment, id)
	}
	switch st := o.Shipments[i].Status; {
	case st == ShipmentDelivered:
		return fmt.Errorf("shipment %s %w", id, ErrDelivered)
	case st == ShipmentReturnedToSender && returnedOpen:
	case st.Final():
		return fmt.Errorf("%w: shipment %s is %s", ErrClosed, id, st)
	}
	return nil
}

// CheckDelay reports the error ReportDelay would return, changing nothing, for a workflow
// update's validator.
func (o *Order) CheckDelay(d Delay) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.ID != "" && o.seen(seenDelay+d.ID) {
		return nil
	}
	_, err := o.delayed(d, DelayRules{})
	return err
}

// delayed finds the shipment a delay report is about and checks it can still be late.
func (o *Order) delayed(d Delay, r DelayRules) (int, error) {
	i := o.shipmentByID(d.ShipmentID)
	if d.ShipmentID == "" {
		i = o.shipmentByTracking(d.TrackingNumber, "")
	}
	if i < 0 {
		return -1, fmt.Errorf("%w %s%s", ErrUnknownShipment, d.ShipmentID, d.TrackingNumber)
	}
	if err := o.open(o.Shipments[i].ID, r.ReturnedOpen); err != nil {
		return -1, err
	}
	return i, nil
}

// ReportDelay is a driver saying a shipment will be late. It updates the
// shipment's ETA and raises a driver_delay exception (or notes the delay,
// when a problem is already open). Every report publishes an event with the
// report in its detail, so subscribers hear of a second one too. A report
// repeated with the same ID does nothing.
func (o *Order) ReportDelay(d Delay) ([]Effect, error) { return o.ReportDelayAs(d, DelayRules{}) }

// DelayRules are the rules of order runs recorded before a delay rule changed, which a
// workflow replaying such a run must report delays under (ReportDelayAs). The zero value is
// today's rules.
type DelayRules struct {
	// QuietRepeats: a report that neither raised an exception nor moved the ETA published
	// nothing (before every report published).
	QuietRepeats bool
	// ReturnedOpen: a parcel returning to its sender could still be reported late (before it
	// counted as finished, ShipmentStatus.Final).
	ReturnedOpen bool
}

// ReportDelayAs is ReportDelay under the rules r.
func (o *Order) ReportDelayAs(d Delay, r DelayRules) ([]Effect, error) {
	publishEvery := !r.QuietRepeats
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if d.ID != "" && o.seen(seenDelay+d.ID) {
		return nil, nil
	}
	i, err := o.delayed(d, r)
	if err != nil {
		return nil, err
	}
	s := &o.Shipments[i]
	if d.ID != "" {
		o.remember(seenDelay + d.ID)
	}
	at := utc(d.At)
	code := d.Code()
	msg := delayText(d.Reason)
	if msg == "" {
		msg = string(code)
	}
	if loc := delayText(d.Location); loc != "" {
		msg += " (near " + loc + ")"
	}
	ent := Entry{
		At: at, Kind: KindDriver, Type: EntryDelayReported, ShipmentID: s.ID,
		TrackingNumber: s.TrackingNumber, Description: msg, EventID: d.ID, Source: "driver",
	}
	b := &batch{o: o}
	eta := utcp(d.RevisedETA)
	moved := eta != nil && (s.EstimatedDelivery == nil || !eta.Equal(*s.EstimatedDelivery))
	if moved {
		s.EstimatedDelivery, s.ETASource = eta, ETADriver
		ent.note("estimated delivery now " + eta.Format(time.RFC3339))
	}
	raised := o.raise(b, Exception{Reason: ReasonDriverDelay, ShipmentID: s.ID, Message: msg, RaisedAt: at, Source: "driver", DelayReason: code}, &ent)
	if !raised && (moved || publishEvery) {
		b.publish(PublishShipmentUpdated, s.ID)
	}
	if raised || moved || publishEvery { // the event published above is the driver's report: say so
		report := Delay{ID: d.ID, ShipmentID: s.ID, TrackingNumber: s.TrackingNumber, Location: delayText(d.Location),
			Reason: delayText(d.Reason), ReasonCode: code, RevisedETA: eta, At: at}
		if raised {
			b.detail(EventDetail{Exception: o.Exception, Delay: &report})
		} else {
			b.detail(EventDetail{Delay: &report})
		}
	}
	o.record(ent)
	o.settle(b, at)
	return b.fx, nil
}
