package order

import (
	"fmt"
	"time"
)

// EntryNotificationResent: staff sent one of the customer's messages again.
const EntryNotificationResent = "notification.resent"

// CheckResend reports whether staff may send the customer's message n again on channel ch,
// changing nothing: the message must be one the order's rules send (a known milestone; a
// refund the order has; a day's date for a daily update), about a shipment the order has, on
// a channel the customer can be reached on. The workflow's validator calls it, so a refused
// resend leaves no trace in the history.
func (o *Order) CheckResend(n Notify, ch Channel) error {
	if !n.Milestone.Known() {
		return invalid("milestone", "is not a message the order sends: %s", Quote(string(n.Milestone)))
	}
	if _, err := ParseChannel(string(ch)); err != nil {
		return invalid("channel", "is not a known channel (%s): %s", ChannelNames(), Quote(string(ch)))
	}
	if !o.Customer.Reaches(ch) {
		return invalid("channel", "%s needs a customer %s, and the order has none", ch, ch.Contact())
	}
	if n.ShipmentID != "" && o.shipmentByID(n.ShipmentID) < 0 {
		return fmt.Errorf("%w %s", ErrUnknownShipment, Quote(n.ShipmentID))
	}
	refund := n.Milestone == MilestoneRefundProcessed
	switch {
	case refund && (n.Refund < 1 || n.Refund > len(o.Refunds)):
		return invalid("refund", "is not one of the order's %d refunds: %d", len(o.Refunds), n.Refund)
	case !refund && n.Refund != 0:
		return invalid("refund", "is only for a %s message", MilestoneRefundProcessed)
	}
	daily := n.Milestone == MilestoneDailyUpdate
	if _, err := time.Parse(time.DateOnly, n.Day); daily && (err != nil || len(n.Day) != len(time.DateOnly)) {
		return invalid("day", "must be a date such as 2026-05-07: %s", Quote(n.Day))
	}
	if !daily && n.Day != "" {
		return invalid("day", "is only for a %s message", MilestoneDailyUpdate)
	}
	return nil
}

// Resent records on the timeline that staff (by) sent message n again on channel ch, so the
// order says who sent what twice and when. It changes nothing else: the message itself is the
// workflow's to send.
func (o *Order) Resent(n Notify, ch Channel, by string, at time.Time) error {
	if err := o.CheckResend(n, ch); err != nil {
		return err
	}
	desc := string(n.Milestone) + " via " + string(ch)
	if n.Day != "" {
		desc += " for " + n.Day
	}
	o.record(Entry{At: utc(at), Kind: KindStaff, Type: EntryNotificationResent, ShipmentID: n.ShipmentID,
		Description: desc, Actor: CleanText(by, MaxLineLen)})
	return nil
}
