package order

import (
	"fmt"
	"slices"
	"strconv"
)

// Effect is something the rules ask the outside world to do. The rules
// stay pure so a Temporal workflow can replay them; the workflow carries
// effects out as activities, in the order they are returned.
type Effect interface{ effect() }

// Milestone is a moment worth telling the customer about. Each names a
// message template.
type Milestone string

// Milestones. Each is sent at most once per shipment (order-level ones
// once per order), so a carrier flapping between statuses does not text the
// customer twice.
const (
	MilestoneConfirmed          Milestone = "confirmed"
	MilestoneShipped            Milestone = "shipped"
	MilestoneOutForDelivery     Milestone = "out_for_delivery"
	MilestoneAvailableForPickup Milestone = "available_for_pickup"
	MilestoneAttemptFailed      Milestone = "attempt_failed"
	MilestoneDelivered          Milestone = "delivered"
	MilestoneDelayed            Milestone = "delayed"
	MilestoneReviewRequest      Milestone = "review_request"

	// Milestones of issue 19's journey, told only under Steps (see steps.go).
	MilestonePacked          Milestone = "packed"
	MilestoneInTransit       Milestone = "in_transit"
	MilestoneCancelled       Milestone = "cancelled"
	MilestoneRefundProcessed Milestone = "refund_processed"
	// MilestoneReturnInTransit: the return parcel's first scan ("we've got your return on its way").
	MilestoneReturnInTransit Milestone = "return_in_transit"
	// MilestoneReturnReceived: the return parcel was delivered back to the merchant.
	MilestoneReturnReceived Milestone = "return_received"

	// MilestoneDailyUpdate: the day's news of the parcels on their way, at a customer-local
	// hour, when nothing else was said that day (daily.go). Order-level, once per day.
	MilestoneDailyUpdate Milestone = "daily_update"
)

// Known says m is one of the milestones above, the names configuration may use.
func (m Milestone) Known() bool {
	switch m {
	case MilestoneConfirmed, MilestoneShipped, MilestoneOutForDelivery, MilestoneAvailableForPickup,
		MilestoneAttemptFailed, MilestoneDelivered, MilestoneDelayed, MilestoneReviewRequest,
		MilestonePacked, MilestoneInTransit, MilestoneCancelled, MilestoneRefundProcessed,
		MilestoneReturnInTransit, MilestoneReturnReceived, MilestoneDailyUpdate:
		return true
	}
	return false
}

// Notify asks for a message to the customer on the order's channels.
// ShipmentID is empty for order-level milestones.
type Notify struct {
	Milestone  Milestone
	ShipmentID string
	// Refund is which of the order's refunds (1 for the first) a refund_processed message
	// tells of; 0 for every other milestone.
	Refund int
	// Day is the customer-local date (2006-01-02) a daily_update is for; empty for every other
	// milestone. Each day's update is its own message.
	Day string
}

// PublishType is the type of an outbound webhook event (docs/reference/outbound-webhooks.md).
type PublishType string

// Outbound event types (docs/reference/outbound-webhooks.md).
const (
	PublishOrderCreated           PublishType = "order.created"
	PublishOrderConfirmed         PublishType = "order.confirmed"
	PublishOrderPacked            PublishType = "order.packed"
	PublishOrderShipped           PublishType = "order.shipped"
	PublishShipmentUpdated        PublishType = "shipment.updated"
	PublishShipmentOutForDelivery PublishType = "shipment.out_for_delivery"
	PublishShipmentException      PublishType = "shipment.exception"
	PublishOrderDelivered         PublishType = "order.delivered"
	PublishOrderCancelled         PublishType = "order.cancelled"
	PublishOrderReturnInitiated   PublishType = "order.return.initiated"
	PublishOrderRefundProcessed   PublishType = "order.refund.processed"
	PublishNotificationFailed     PublishType = "notification.failed"
	// PublishOrderHumanRequested: the customer asked for a person to call them back.
	PublishOrderHumanRequested PublishType = "order.human_requested"
)

// PublishTypes lists every outbound event type, for subscribers choosing
// what to receive.
func PublishTypes() []PublishType {
	return []PublishType{
		PublishOrderCreated, PublishOrderConfirmed, PublishOrderPacked,
		PublishOrderShipped, PublishShipmentUpdated, PublishShipmentOutForDelivery,
		PublishShipmentException, PublishOrderDelivered, PublishOrderCancelled,
		PublishOrderReturnInitiated, PublishOrderRefundProcessed, PublishNotificationFailed,
		PublishOrderHumanRequested,
	}
}

// ParsePublishType checks an event type a subscriber asks for.
func ParsePublishType(s string) (PublishType, error) {
	if t := PublishType(s); slices.Contains(PublishTypes(), t) {
		return t, nil
	}
	return "", fmt.Errorf("unknown event type %s", Quote(s))
}

// Publish asks for an outbound webhook event carrying the order's view.
// Seq is the order's sequence number for it, one more than the previous
// Publish, so subscribers can order and gap-check what they receive.
type Publish struct {
	Type       PublishType
	Seq        int64
	ShipmentID string
	// Detail is what this event says beyond the order's view, for subscribers that act on
	// the event itself; nil when the view says it all.
	Detail *EventDetail
}

// EventDetail is the event-specific part of an outbound event's data (docs/receiving-webhooks.md
// lists which event carries which).
type EventDetail struct {
	// Exception is the problem a shipment.exception raised.
	Exception *Exception `json:"exception,omitempty"`
	// Notification says which message failed on every channel, for notification.failed.
	Notification *FailedNotification `json:"notification,omitempty"`
	// Delay is the driver's report behind a shipment.exception or shipment.updated.
	Delay *Delay `json:"delay,omitempty"`
}

// FailedNotification is a customer message that failed on every channel.
type FailedNotification struct {
	Milestone Milestone `json:"milestone"`
	Channels  []Channel `json:"channels,omitempty"`
	Error     string    `json:"error"`
}

// RaiseException tells staff (ops alert, ticket) that the order has a
// problem and starts the escalation clock.
type RaiseException struct {
	Exception
}

// How an exception was closed, for ClearException.Resolution.
const (
	ResolvedByStaff = "resolved_by_staff"
	CarrierProgress = "carrier_progress"
	// OrderClosed: the order was cancelled or returned, so the problem no
	// longer needs anyone.
	OrderClosed = "order_closed"
)

// ClearException tells staff the problem is over and stops escalation.
type ClearException struct {
	Exception
	Resolution string
}

func (Notify) effect()         {}
func (Publish) effect()        {}
func (RaiseException) effect() {}
func (ClearException) effect() {}

// batch collects the effects of one operation and keeps the bookkeeping
// that goes with them (sequence numbers, milestones sent) in the order.
type batch struct {
	o  *Order
	fx []Effect
	// steps are the journey's rules this operation runs under; zero in runs before them.
	steps Steps
}

func (b *batch) publish(t PublishType, shipmentID string) {
	b.o.Seq++
	b.fx = append(b.fx, Publish{Type: t, Seq: b.o.Seq, ShipmentID: shipmentID})
}

// detail adds d to the event this batch published last.
func (b *batch) detail(d EventDetail) {
	for i := len(b.fx) - 1; i >= 0; i-- {
		if p, ok := b.fx[i].(Publish); ok {
			p.Detail = &d
			b.fx[i] = p
			return
		}
	}
}

// notify asks for a customer message unless this milestone was already
// sent for this shipment. With no channel there is nobody to tell, and the
// milestone is not marked so a later subscriber still hears of the next.
func (b *batch) notify(m Milestone, shipmentID string) { b.notifyRefund(m, shipmentID, 0) }

// notifyRefund is notify for the refund-th refund, which each get a message of their own.
func (b *batch) notifyRefund(m Milestone, shipmentID string, refund int) {
	if len(b.o.Notify) == 0 {
		return
	}
	n := Notify{Milestone: m, ShipmentID: shipmentID, Refund: refund}
	key := n.key()
	if slices.Contains(b.o.Notified, key) {
		return
	}
	b.o.Notified = append(b.o.Notified, key)
	b.fx = append(b.fx, n)
}

// tell is notify for a milestone of the journey, asked for only when its Steps tell it.
func (b *batch) tell(m Milestone, shipmentID string) {
	if b.steps.Tells(m) {
		b.notify(m, shipmentID)
	}
}

// key is the Notified key of n: "milestone/shipment", "#n" after a refund's from the second
// on, and "@date" after a daily update's.
func (n Notify) key() string {
	k := string(n.Milestone) + "/" + n.ShipmentID
	if n.Refund > 1 {
		k += "#" + strconv.Itoa(n.Refund)
	}
	if n.Day != "" {
		k += "@" + n.Day
	}
	return k
}
