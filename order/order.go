package order

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Order is the whole durable state of one order: what the workflow holds,
// queries and carries across continue-as-new. Every field that matters is
// exported with a JSON tag, and times are kept in UTC, so a JSON round trip
// gives back an identical value.
type Order struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	// Stage is the furthest commerce stage the merchant reported (created,
	// confirmed or packed). It is the status of whatever no shipment
	// carries yet.
	Stage            Status     `json:"stage"`
	Customer         Customer   `json:"customer"`
	Notify           []Channel  `json:"notify"`
	Items            []Item     `json:"items"`
	PromisedDelivery *time.Time `json:"promised_delivery,omitempty"`
	// EstimatedDelivery is shipflow's estimate for an order whose shop promised no date,
	// made as the order is created (the merchant's processing days and cut-off, a usual
	// transit time); each shipment's own ETA takes over once it ships.
	EstimatedDelivery *time.Time `json:"estimated_delivery,omitempty"`
	ShippingAddress   *Address   `json:"shipping_address,omitempty"`
	Shipments         []Shipment `json:"shipments"`
	// Exception is the open exception; an order has at most one.
	Exception *Exception `json:"exception,omitempty"`
	Timeline  []Entry    `json:"timeline"`
	// Recorded counts the timeline entries ever recorded, trimmed ones included.
	Recorded int64    `json:"recorded"`
	Refunds  []Refund `json:"refunds"`
	// Seq numbers outbound events; it is incremented per Publish effect.
	Seq       int64     `json:"seq"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// DeliveredAt is when the whole order first became delivered; it makes
	// order.delivered go out once even if a problem follows delivery.
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	ReturnedAt   *time.Time `json:"returned_at,omitempty"`
	ReturnReason string     `json:"return_reason,omitempty"`
	// Seen holds the dedupe keys of the latest MaxSeen events applied.
	Seen []string `json:"seen"`
	// Notified holds "milestone/shipment" keys of messages already asked
	// for, so that no milestone is sent twice.
	Notified []string `json:"notified"`
	// DailyUpdates is the customer's own choice about daily updates (order.created's
	// notify.daily_updates, or changed since); nil means the merchant's default.
	DailyUpdates *bool `json:"daily_updates,omitempty"`
	// LastTold is the latest message that left for the customer, in runs that keep it (since
	// daily updates): "nothing else was said that day" reads it.
	LastTold *Told `json:"last_told,omitempty"`
	// Origin is the commerce platform the order came from (order.created's), for what writes
	// back to it; empty for the commerce API and for orders started before origins were kept.
	Origin Origin `json:"origin,omitempty"`
	// ErasedAt is when the customer's personal details were erased (EraseCustomer); later
	// contact changes are ignored.
	ErasedAt *time.Time `json:"erased_at,omitempty"`
}

// Shipment is one parcel of the order with what its carrier last said.
type Shipment struct {
	ID             string         `json:"id"`
	Carrier        string         `json:"carrier"`
	TrackingNumber string         `json:"tracking_number"`
	Items          []string       `json:"items"`
	Status         ShipmentStatus `json:"status"`
	Substatus      string         `json:"substatus,omitempty"`
	RawStatus      string         `json:"raw_status,omitempty"`
	LastLocation   *Location      `json:"last_location,omitempty"`
	// EstimatedDelivery is the latest estimate from the merchant, carrier
	// or driver, whoever spoke last, or shipflow's own when none did.
	EstimatedDelivery *time.Time `json:"estimated_delivery,omitempty"`
	// ETASource says who gave EstimatedDelivery; empty in orders recorded before it was kept.
	ETASource ETASource `json:"eta_source,omitempty"`
	// LastEventAt is the time of the newest status report applied; older
	// reports do not move the status.
	LastEventAt    *time.Time `json:"last_event_at,omitempty"`
	ShippedAt      time.Time  `json:"shipped_at"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	FailedAttempts int        `json:"failed_attempts"`
	// Registration is what registering the parcel with the tracking providers came to; nil
	// until it is tried, and in orders shipped before shipflow registered parcels.
	Registration *Registration `json:"registration,omitempty"`
	// Return marks a parcel on its way back to the merchant (order.return.initiated's
	// return_shipment): tracked and told about, but no part of the order's stage or ETA.
	Return bool `json:"return,omitempty"`
	// Proof is the carrier's proof of delivery, once delivered with one.
	Proof *Proof `json:"proof,omitempty"`
}

// stage is the order stage this shipment stands for. A parcel that was
// delivered and then reported as a problem still reached the customer: once
// staff close that problem it counts as delivered, so the order can finish.
func (s Shipment) stage() Status {
	if s.DeliveredAt != nil && (s.Status == ShipmentException || s.Status == ShipmentReturnedToSender) {
		return StatusDelivered
	}
	return s.Status.stage()
}

// Refund is a refund the merchant reported, kept for the order's view.
type Refund struct {
	Amount   string    `json:"amount"`
	Currency string    `json:"currency"`
	At       time.Time `json:"at"`
}

// New starts an order from its order.created event. Channels the customer
// cannot be reached on (SMS without a phone) are dropped with a note in the
// timeline rather than refused, since the order itself is fine.
func New(e CommerceEvent) (Order, []Effect, error) {
	if err := e.Validate(); err != nil {
		return Order{}, nil, err
	}
	if e.Type != EventCreated {
		return Order{}, nil, fmt.Errorf("an order starts with %s, not %s", EventCreated, e.Type)
	}
	at := utc(e.Timestamp)
	o := Order{
		ID:               e.OrderID,
		Status:           StatusCreated,
		Stage:            StatusCreated,
		Customer:         *e.Customer,
		Items:            slices.Clone(e.Items),
		PromisedDelivery: utcp(e.PromisedDelivery),
		DailyUpdates:     cloneBool(e.DailyUpdates),
		Origin:           e.Origin,
		CreatedAt:        at,
		UpdatedAt:        at,
	}
	if a := e.ShippingAddress; a != nil {
		c := *a
		o.ShippingAddress = &c
	}
	ent := Entry{At: at, Kind: KindCommerce, Type: string(e.Type), EventID: e.ID}
	o.Notify = []Channel{}
	for _, c := range channels(e.Notify) {
		if !o.Customer.Reaches(c) {
			ent.note(fmt.Sprintf("channel %s dropped: no customer %s", c, c.Contact()))
			continue
		}
		o.Notify = append(o.Notify, c)
	}
	o.remember(seenCommerce + e.ID)
	o.record(ent)
	b := &batch{o: &o}
	b.publish(PublishOrderCreated, "")
	o.settle(b, at)
	return o, b.fx, nil
}

// ApplyCommerce applies any commerce event but order.created. An event that
// does not fit (a step backwards, an unknown shipment, anything after
// cancellation but a refund) is recorded in the timeline and ignored, never
// an error: the merchant's platform has already moved on and cannot fix it.
func (o *Order) ApplyCommerce(e CommerceEvent) []Effect { return o.ApplyCommerceAs(e, Steps{}) }

// ApplyCommerceAs is ApplyCommerce under the journey's rules s. A contact change that
// changes nothing is not even recorded: platforms send one for every edit of an order.
func (o *Order) ApplyCommerceAs(e CommerceEvent, s Steps) []Effect {
	if e.ID != "" {
		if o.seen(seenCommerce + e.ID) {
			return nil
		}
		o.remember(seenCommerce + e.ID)
	}
	b := &batch{o: o, steps: s}
	ent := Entry{At: utc(e.Timestamp), Kind: KindCommerce, Type: string(e.Type), EventID: e.ID}
	if err := e.Validate(); err != nil {
		ent.ignore("invalid: " + err.Error())
	} else if e.OrderID != o.ID {
		ent.ignore("event for order " + e.OrderID)
	} else if e.contact() && o.ErasedAt != nil {
		ent.ignore("the customer's details were erased")
	} else if e.contact() && s.Contact {
		if !o.updateContact(*e.Customer, &ent) {
			return nil
		}
	} else {
		o.commerce(b, e, &ent)
	}
	o.record(ent)
	o.settle(b, ent.At)
	return b.fx
}

func (o *Order) commerce(b *batch, e CommerceEvent, ent *Entry) {
	switch e.Type {
	case EventCreated:
		ent.ignore("order already exists")
		return
	case EventRefundProcessed:
		o.Refunds = append(o.Refunds, Refund{Amount: e.Amount, Currency: e.Currency, At: ent.At})
		ent.Description = e.Amount + " " + e.Currency
		if b.steps.Tells(MilestoneRefundProcessed) && o.CancelledAt == nil {
			b.notifyRefund(MilestoneRefundProcessed, "", len(o.Refunds))
		}
		b.publish(PublishOrderRefundProcessed, "")
		return
	case EventCustomerUpdated, EventOrderUpdated:
		ent.ignore("contact changes are not applied to orders started before them")
		return
	}
	if e.Type == EventReturnInitiated && o.CancelledAt == nil && o.ReturnedAt != nil && e.ReturnShipment != nil {
		// The return label, made after the return was announced.
		o.addReturn(b, *e.ReturnShipment, ent, true)
		return
	}
	if o.closed() {
		ent.ignore(fmt.Sprintf("%s after %s", e.Type, o.Status))
		return
	}
	switch e.Type {
	case EventConfirmed:
		if o.advance(StatusConfirmed, ent) {
			b.notify(MilestoneConfirmed, "")
			b.publish(PublishOrderConfirmed, "")
		}
	case EventPacked:
		if o.advance(StatusPacked, ent) {
			b.tell(MilestonePacked, "")
			b.publish(PublishOrderPacked, "")
		}
	case EventShipped:
		o.ship(b, *e.Shipment, ent)
	case EventDelivered:
		i := o.shipmentByID(e.ShipmentID)
		ent.ShipmentID = e.ShipmentID
		if i < 0 {
			ent.ignore("unknown shipment " + e.ShipmentID)
			return
		}
		ent.TrackingNumber = o.Shipments[i].TrackingNumber
		ent.Source = "merchant"
		o.track(b, i, scan{status: ShipmentDelivered, at: ent.At}, ent)
	case EventCancelled:
		if o.DeliveredAt != nil || o.Status == StatusDelivered {
			ent.ignore(fmt.Sprintf("%s after %s", e.Type, StatusDelivered))
			return
		}
		at := ent.At
		o.CancelledAt, o.CancelReason = &at, e.Reason
		ent.Description = e.Reason
		o.clear(b, OrderClosed)
		b.tell(MilestoneCancelled, "") // never the reason: the merchant's words are not for the customer
		b.publish(PublishOrderCancelled, "")
	case EventReturnInitiated:
		if !slices.ContainsFunc(o.Shipments, active) {
			ent.ignore(fmt.Sprintf("%s before any shipment", e.Type))
			return
		}
		at := ent.At
		o.ReturnedAt, o.ReturnReason = &at, e.Reason
		ent.Description = e.Reason
		o.clear(b, OrderClosed)
		b.publish(PublishOrderReturnInitiated, "")
		if rs := e.ReturnShipment; rs != nil {
			o.addReturn(b, *rs, ent, false)
		}
	}
}

// advance moves the commerce stage forward to st. A step that is not
// forward, or that concerns nothing because every item has shipped, is
// noted and refused.
func (o *Order) advance(st Status, ent *Entry) bool {
	switch {
	case rank(st) <= rank(o.Stage):
		ent.ignore(fmt.Sprintf("%s after %s", ent.Type, o.Stage))
		return false
	case !o.unshipped():
		ent.ignore(fmt.Sprintf("%s after %s", ent.Type, o.progress()))
		return false
	}
	o.Stage = st
	return true
}

// ship adds the announced shipment, or updates it when the merchant
// announces the same shipment again (a corrected tracking number).
func (o *Order) ship(b *batch, si ShipmentInfo, ent *Entry) {
	ent.ShipmentID, ent.TrackingNumber = si.ID, si.TrackingNumber
	if i := o.shipmentByID(si.ID); i >= 0 {
		s := &o.Shipments[i]
		changed := false
		if s.Carrier != si.Carrier || s.TrackingNumber != si.TrackingNumber {
			s.Carrier, s.TrackingNumber = si.Carrier, si.TrackingNumber
			s.Registration = nil // the corrected parcel is registered afresh
			changed = true
		}
		if len(si.Items) > 0 && !slices.Equal(s.Items, si.Items) {
			s.Items = slices.Clone(si.Items)
			changed = true
		}
		if eta := utcp(si.EstimatedDelivery); eta != nil && (s.EstimatedDelivery == nil || !eta.Equal(*s.EstimatedDelivery)) {
			s.EstimatedDelivery, s.ETASource = eta, ETAMerchant
			changed = true
		}
		if !changed {
			ent.ignore("shipment " + si.ID + " already known")
			return
		}
		ent.note("tracking info updated")
		b.publish(PublishShipmentUpdated, s.ID)
		return
	}
	s := Shipment{
		ID:                si.ID,
		Carrier:           si.Carrier,
		TrackingNumber:    si.TrackingNumber,
		Items:             slices.Clone(si.Items),
		Status:            ShipmentInfoReceived,
		EstimatedDelivery: utcp(si.EstimatedDelivery),
		ShippedAt:         ent.At,
	}
	if s.EstimatedDelivery != nil {
		s.ETASource = ETAMerchant
	}
	o.Shipments = append(o.Shipments, s)
	b.notify(MilestoneShipped, si.ID)
	b.publish(PublishOrderShipped, si.ID)
}

// active reports whether a shipment still counts towards the order: not cancelled, and not
// a return parcel, which goes the other way.
func active(s Shipment) bool { return s.Status != ShipmentCancelled && !s.Return }

// closed reports whether the merchant ended the order (cancelled or
// returned), after which the lifecycle no longer advances.
func (o *Order) closed() bool { return o.CancelledAt != nil || o.ReturnedAt != nil }

// unshipped reports whether some of the order has not left yet: there is
// no live shipment, or an ordered SKU no live shipment carries. A shipment
// that lists no items is taken to carry whatever is left, which is what a
// merchant omitting them means for a single parcel.
func (o *Order) unshipped() bool {
	carried := map[string]bool{}
	some := false
	for _, s := range o.Shipments {
		if !active(s) {
			continue
		}
		if len(s.Items) == 0 {
			return false
		}
		some = true
		for _, sku := range s.Items {
			carried[sku] = true
		}
	}
	if !some {
		return true
	}
	for _, it := range o.Items {
		if !carried[it.SKU] {
			return true
		}
	}
	return false
}

// progress is the least advanced stage of the order's parts: each live
// shipment, plus the commerce stage for whatever has not shipped.
func (o *Order) progress() Status {
	least := len(stages) - 1
	if o.unshipped() {
		least = max(rank(o.Stage), 0)
	}
	for _, s := range o.Shipments {
		if active(s) {
			least = min(least, rank(s.stage()))
		}
	}
	return stages[least]
}

// derive computes the order status (docs/reference/statuses.md).
func (o *Order) derive() Status {
	switch {
	case o.CancelledAt != nil:
		return StatusCancelled
	case o.ReturnedAt != nil:
		return StatusReturned
	case o.Exception != nil:
		return StatusException
	}
	return o.progress()
}

// settle finishes every operation: it moves UpdatedAt, closes a lateness
// exception once everything arrived, and announces the order delivered the
// first time it is.
func (o *Order) settle(b *batch, at time.Time) {
	if at.After(o.UpdatedAt) {
		o.UpdatedAt = at
	}
	if x := o.Exception; x != nil && x.Reason == ReasonLate && !o.closed() && o.progress() == StatusDelivered {
		o.clear(b, CarrierProgress)
	}
	o.Status = o.derive()
	if o.Status == StatusDelivered && o.DeliveredAt == nil {
		o.DeliveredAt = &at
		b.publish(PublishOrderDelivered, "")
	}
}

// Final reports whether the order's journey is over: delivered (with no
// open problem), cancelled or returned. The workflow then waits for the
// review request delay or completes.
func (o *Order) Final() bool { return o.Status.Final() }

// HasShipment reports whether a carrier update for trackingNumber belongs to
// this order. Callers hold updates for unknown tracking numbers until the
// shipment appears, since ApplyTracking drops them without a trace.
func (o *Order) HasShipment(trackingNumber string) bool {
	return o.shipmentByTracking(trackingNumber, "") >= 0
}

func (o *Order) shipmentByID(id string) int {
	return slices.IndexFunc(o.Shipments, func(s Shipment) bool { return s.ID == id })
}

// shipmentByTracking finds the shipment with tracking number tn. Tracking
// numbers are compared ignoring case and spaces, as carriers print them
// both ways. The carrier only chooses between shipments sharing a tracking
// number: providers spell carriers differently ("dpd" and "dpd-lt"), so a
// mismatch alone must not lose an update.
func (o *Order) shipmentByTracking(tn, carrier string) int {
	want := TrackingKey(tn)
	first := -1
	for i, s := range o.Shipments {
		if want == "" || TrackingKey(s.TrackingNumber) != want {
			continue
		}
		if first < 0 {
			first = i
		}
		if carrier == "" || sameCarrier(s.Carrier, carrier) {
			return i
		}
	}
	return first
}

// TrackingKey is a tracking number as shipflow compares it: platforms and carriers disagree
// on case and spacing, so both are dropped.
func TrackingKey(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// sameCarrier compares carrier names loosely: letters and digits only, one
// a prefix of the other.
func sameCarrier(a, b string) bool {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				return r
			case r >= 'A' && r <= 'Z':
				return r + 'a' - 'A'
			}
			return -1
		}, s)
	}
	a, b = norm(a), norm(b)
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}

// SetChannels replaces the channels the customer is told on (the voice
// assistant's subscribe_updates). Duplicates are dropped; an unknown
// channel, or one needing a phone or email the customer lacks, is an error
// the caller can say back.
func (o *Order) SetChannels(chs []Channel, at time.Time) ([]Effect, error) {
	if err := o.CheckChannels(chs); err != nil {
		return nil, err
	}
	chs = channels(chs)
	if slices.Equal(chs, o.Notify) {
		return nil, nil
	}
	o.Notify = chs
	names := make([]string, len(chs))
	for i, c := range chs {
		names[i] = string(c)
	}
	at = utc(at)
	o.record(Entry{At: at, Kind: KindSystem, Type: EntryChannelsUpdated, Description: strings.Join(names, ", ")})
	b := &batch{o: o}
	o.settle(b, at)
	return b.fx, nil
}

// CheckChannels reports the error SetChannels would return, changing nothing: a workflow
// update's validator calls it to reject bad input before anything reaches history.
func (o *Order) CheckChannels(chs []Channel) error { return o.Customer.CheckChannels(chs) }

// CheckChannels refuses channels the customer cannot be told on: an unknown one, or one
// needing a contact they have not given. The workflow's validator and the console's form
// (which checks before it asks the workflow) share it.
func (c Customer) CheckChannels(chs []Channel) error {
	for i, ch := range chs {
		if _, err := ParseChannel(string(ch)); err != nil {
			return invalid(fmt.Sprintf("channels[%d]", i), "is not a known channel (%s): %s", ChannelNames(), Quote(string(ch)))
		}
		if !c.Reaches(ch) {
			return invalid(fmt.Sprintf("channels[%d]", i), "%s needs a customer %s, and the order has none", ch, ch.Contact())
		}
	}
	return nil
}

// ReviewRequest asks the customer for a review, once, and only for an order
// that was delivered: the workflow calls it after the review delay once
// Final reports true.
func (o *Order) ReviewRequest() []Effect {
	if o.Status != StatusDelivered {
		return nil
	}
	b := &batch{o: o}
	b.notify(MilestoneReviewRequest, "")
	return b.fx
}

// NotificationFailed records that a customer message could not be sent and
// returns the notification.failed event for subscribers. It lives here
// because the event takes the order's next sequence number. An empty ch
// says the message failed on every channel, reason naming each.
func (o *Order) NotificationFailed(m Milestone, shipmentID string, ch Channel, reason string, at time.Time) []Effect {
	at = utc(at)
	o.record(Entry{
		At: at, Kind: KindSystem, Type: EntryNotificationFailed, ShipmentID: shipmentID,
		Description: notificationFailedText(m, ch, reason),
	})
	b := &batch{o: o}
	b.publish(PublishNotificationFailed, shipmentID)
	f := FailedNotification{Milestone: m, Error: CleanText(reason, MaxTextLen)}
	if ch != "" {
		f.Channels = []Channel{ch}
	} else {
		f.Channels = slices.Clone(o.Notify) // every channel failed, each named in reason
	}
	b.detail(EventDetail{Notification: &f})
	o.settle(b, at)
	return b.fx
}
