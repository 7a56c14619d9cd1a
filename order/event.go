package order

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventType is the type of a commerce-platform event (docs/reference/inbound.md).
type EventType string

// Commerce event types (docs/reference/inbound.md).
const (
	EventCreated         EventType = "order.created"
	EventConfirmed       EventType = "order.confirmed"
	EventPacked          EventType = "order.packed"
	EventShipped         EventType = "order.shipped"
	EventDelivered       EventType = "order.delivered"
	EventCancelled       EventType = "order.cancelled"
	EventReturnInitiated EventType = "order.return.initiated"
	EventRefundProcessed EventType = "order.refund.processed"
	// EventCustomerUpdated and EventOrderUpdated carry the customer's new contact details
	// (Steps.Contact); the two names are what platforms call the same news.
	EventCustomerUpdated EventType = "customer.updated"
	EventOrderUpdated    EventType = "order.updated"
)

// ParseEventType checks the "type" of an inbound commerce event, so that an
// unknown type is a 400 rather than an event the workflow cannot place.
func ParseEventType(s string) (EventType, error) {
	switch t := EventType(s); t {
	case EventCreated, EventConfirmed, EventPacked, EventShipped,
		EventDelivered, EventCancelled, EventReturnInitiated, EventRefundProcessed,
		EventCustomerUpdated, EventOrderUpdated:
		return t, nil
	}
	return "", fmt.Errorf("unknown event type %s", Quote(s))
}

// Channel is a way to reach the customer.
type Channel string

// Customer channels.
const (
	ChannelSMS      Channel = "sms"
	ChannelWhatsApp Channel = "whatsapp"
	ChannelEmail    Channel = "email"
	// ChannelPush is a push notification to the merchant's app through OneSignal, addressed
	// by the customer's id in that app (Customer.ExternalID). It is shipflow's extension of
	// the channels the contract names.
	ChannelPush Channel = "push"
)

// Channels are every customer channel, in the order a channel to offer instead is looked
// for (the voice assistant's subscribe_updates).
var Channels = []Channel{ChannelSMS, ChannelWhatsApp, ChannelEmail, ChannelPush}

// ChannelNames lists the channel names for an error message: "sms, whatsapp, email, push".
func ChannelNames() string {
	names := make([]string, len(Channels))
	for i, c := range Channels {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// ParseChannel checks a channel name given by a merchant or a caller.
func ParseChannel(s string) (Channel, error) {
	switch c := Channel(s); c {
	case ChannelSMS, ChannelWhatsApp, ChannelEmail, ChannelPush:
		return c, nil
	}
	return "", fmt.Errorf("unknown channel %s", Quote(s))
}

// Contact names what channel c needs from the customer: a text channel (SMS, WhatsApp) a
// phone, email an email address, push the customer's user id in the merchant's app.
// Timeline notes and refusals say it.
func (c Channel) Contact() string {
	switch c {
	case ChannelEmail:
		return "email"
	case ChannelPush:
		return "app user id"
	}
	return "phone"
}

// Address is where channel ch reaches the customer: the phone number for a text channel,
// the email address for email, the app user id for push; "" when the customer gave none.
// The order, the message service and the voice assistant all decide by it whether a channel
// can be used.
func (c Customer) Address(ch Channel) string {
	switch ch {
	case ChannelEmail:
		return c.Email
	case ChannelPush:
		return c.ExternalID
	}
	return c.Phone
}

// Reaches reports whether channel ch can reach the customer (Address is not empty).
func (c Customer) Reaches(ch Channel) bool { return c.Address(ch) != "" }

// fallbackOrder is the order in which channels stand in for one that refused a message for
// good: email first, as the channel least likely to share a phone number's fault (a number
// that is not a mobile, a carrier that blocks the sender), then the text channels.
var fallbackOrder = []Channel{ChannelEmail, ChannelSMS, ChannelWhatsApp}

// Fallback is the channel a message goes to when every provider of one of its channels
// refused it for good (an invalid number, a bounced address): the first channel in
// fallbackOrder that reaches the customer and is not among sending, the channels the message
// already goes to. A message to a customer who gave one contact has no fallback.
func (c Customer) Fallback(sending []Channel) (Channel, bool) {
	for _, ch := range fallbackOrder {
		if c.Reaches(ch) && !slices.Contains(sending, ch) {
			return ch, true
		}
	}
	return "", false
}

// Customer is the person the order is for, as the merchant gave them. The
// locale and time zone let messages be worded and timed for them.
type Customer struct {
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Locale   string `json:"locale,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
	// ExternalID is the merchant's id of the customer in their own app, which OneSignal
	// calls the external id: the push channel's address. Orders recorded before push
	// existed have none, which keeps their histories replaying as they ran.
	ExternalID string `json:"external_id,omitempty"`
}

// Item is one order line. Shipments name the SKUs they carry, which is how a
// split order knows what has not left the warehouse yet.
type Item struct {
	SKU      string `json:"sku"`
	Name     string `json:"name,omitempty"`
	Quantity int    `json:"quantity"`
}

// Location is where a scan happened, as precise as the carrier says.
type Location struct {
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
}

// IsZero reports whether the carrier gave no location at all, so that an
// empty one does not overwrite the last known place.
func (l Location) IsZero() bool { return l == Location{} }

// Address is where the order is going.
type Address struct {
	Name       string `json:"name,omitempty"`
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
}

// ShipmentInfo is the shipment an order.shipped event announces.
type ShipmentInfo struct {
	ID                string     `json:"shipment_id"`
	Carrier           string     `json:"carrier"`
	TrackingNumber    string     `json:"tracking_number"`
	Items             []string   `json:"items,omitempty"`
	EstimatedDelivery *time.Time `json:"estimated_delivery,omitempty"`
	// Service is the carrier's service level ("express", "economy"), for the delivery
	// estimate's transit days when no date is given.
	Service string `json:"service,omitempty"`
}

// CommerceEvent is one commerce-platform event (docs/reference/inbound.md) after
// parsing. ID is the webhook-id, the only thing that tells a retry from a
// new event. The fields below OrderID are filled according to Type.
type CommerceEvent struct {
	ID        string    `json:"id"`
	Type      EventType `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	OrderID   string    `json:"order_id"`

	// order.created; customer.updated and order.updated (the new contact details)
	Customer *Customer `json:"customer,omitempty"`
	Notify   []Channel `json:"notify,omitempty"`
	// DailyUpdates is order.created's notify.daily_updates: the customer's choice about daily
	// updates; nil leaves it to the merchant's default.
	DailyUpdates     *bool      `json:"daily_updates,omitempty"`
	Items            []Item     `json:"items,omitempty"`
	PromisedDelivery *time.Time `json:"promised_delivery,omitempty"`
	ShippingAddress  *Address   `json:"shipping_address,omitempty"`
	// Origin is the platform the order came from (order.created), set by that platform's
	// adapter and never by the commerce API (Order.Origin).
	Origin Origin `json:"origin,omitempty"`

	// order.shipped
	Shipment *ShipmentInfo `json:"shipment,omitempty"`

	// order.delivered
	ShipmentID string `json:"shipment_id,omitempty"`

	// order.cancelled, order.return.initiated
	Reason string `json:"reason,omitempty"`
	// ReturnShipment is the parcel an order.return.initiated sends back, when the merchant
	// knows it; its ID may be empty.
	ReturnShipment *ShipmentInfo `json:"return_shipment,omitempty"`

	// order.refund.processed
	Amount   string `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
}

// Validate checks the fields the event's type requires. The error is a
// *FieldError naming the field by its path in the commerce event body (docs/reference/inbound.md), so the
// webhook can answer 400 with it.
func (e CommerceEvent) Validate() error {
	if e.ID == "" {
		return required("webhook-id")
	}
	if e.Type == "" {
		return required("type")
	}
	if _, err := ParseEventType(string(e.Type)); err != nil {
		return invalid("type", "is not a known event type: %s", Quote(string(e.Type)))
	}
	if e.Timestamp.IsZero() {
		return required("timestamp")
	}
	if e.OrderID == "" {
		return required("data.order_id")
	}
	if e.Origin != "" && !e.Origin.Valid() {
		return invalid("origin", "is not a known origin: %s", Quote(string(e.Origin)))
	}
	switch e.Type {
	case EventCreated:
		return e.validateCreated()
	case EventShipped:
		s := e.Shipment
		switch {
		case s == nil:
			return required("data.shipment")
		case s.ID == "":
			return required("data.shipment.shipment_id")
		}
		return s.validate("data.shipment")
	case EventReturnInitiated:
		if s := e.ReturnShipment; s != nil {
			return s.validate("data.return_shipment")
		}
	case EventCustomerUpdated, EventOrderUpdated:
		if e.Customer == nil {
			return required("data.customer")
		}
		return e.Customer.validate("data.customer")
	case EventDelivered:
		if e.ShipmentID == "" {
			return required("data.shipment_id")
		}
	case EventRefundProcessed:
		switch {
		case e.Amount == "":
			return required("data.amount")
		case e.Currency == "":
			return required("data.currency")
		case !validCurrency(e.Currency):
			return invalid("data.currency", "must be an ISO 4217 code such as EUR, got %s", Quote(e.Currency))
		}
	}
	return nil
}

// validate checks what a shipment's tracking relies on (order.shipped's shipment, a return
// parcel), naming fields under prefix. The id is the caller's to require.
func (s ShipmentInfo) validate(prefix string) error {
	switch {
	case s.Carrier == "":
		return required(prefix + ".carrier")
	case s.TrackingNumber == "":
		return required(prefix + ".tracking_number")
	}
	for i, sku := range s.Items {
		if sku == "" {
			return required(fmt.Sprintf("%s.items[%d]", prefix, i))
		}
	}
	return nil
}

// validate checks a customer's contact details (order.created's, and a contact change's),
// naming fields under prefix: one rule wherever a customer enters.
func (c Customer) validate(prefix string) error {
	if c.Phone != "" && !validPhone(c.Phone) {
		return invalid(prefix+".phone", "must be in E.164 form such as +37060000000, got %s", Quote(c.Phone))
	}
	if c.Email != "" && !validEmail(c.Email) {
		return invalid(prefix+".email", "is not a valid address: %s", Quote(c.Email))
	}
	if c.ExternalID != "" {
		if err := CheckExternalID(prefix+".external_id", c.ExternalID); err != nil {
			return err
		}
	}
	return nil
}

func (e CommerceEvent) validateCreated() error {
	c := e.Customer
	if c == nil {
		return required("data.customer")
	}
	if err := c.validate("data.customer"); err != nil {
		return err
	}
	for i, ch := range e.Notify {
		if _, err := ParseChannel(string(ch)); err != nil {
			return invalid(fmt.Sprintf("data.notify.channels[%d]", i), "is not a known channel (%s): %s", ChannelNames(), Quote(string(ch)))
		}
	}
	for i, it := range e.Items {
		switch {
		case it.SKU == "":
			return required(fmt.Sprintf("data.items[%d].sku", i))
		case it.Quantity <= 0:
			return invalid(fmt.Sprintf("data.items[%d].quantity", i), "must be positive, got %d", it.Quantity)
		}
	}
	return nil
}

// TrackingEvent is one carrier scan normalised to the shipment statuses (docs/reference/statuses.md), whatever
// provider it came from. ID is the provider's event id or a stable hash the
// normaliser computes, so that the same scan seen twice (webhook and poll,
// or a retry) is applied once. Source names where it came from ("generic",
// "aftership", "easypost", "shipengine", "poll", "driver").
type TrackingEvent struct {
	ID                string         `json:"id"`
	Source            string         `json:"source,omitempty"`
	Carrier           string         `json:"carrier,omitempty"`
	TrackingNumber    string         `json:"tracking_number"`
	Status            ShipmentStatus `json:"status"`
	Substatus         string         `json:"substatus,omitempty"`
	RawStatus         string         `json:"raw_status,omitempty"`
	Description       string         `json:"description,omitempty"`
	Location          Location       `json:"location"`
	OccurredAt        time.Time      `json:"occurred_at"`
	EstimatedDelivery *time.Time     `json:"estimated_delivery,omitempty"`
	// Proof is the proof of delivery a delivered scan carries, if the provider gives one.
	Proof *Proof `json:"proof,omitempty"`
}

// Validate checks what ordering and matching rely on. Field names are
// provider neutral; a normaliser may prefix them with its own payload path.
func (e TrackingEvent) Validate() error {
	switch {
	case e.ID == "":
		return required("id")
	case e.TrackingNumber == "":
		return required("tracking_number")
	case e.Status == "":
		return required("status")
	case e.OccurredAt.IsZero():
		return required("occurred_at")
	}
	if _, err := ParseShipmentStatus(string(e.Status)); err != nil {
		return invalid("status", "is not a known shipment status: %s", Quote(string(e.Status)))
	}
	return nil
}

// Delay is a driver's report that a shipment will be late (the voice
// assistant's report_delay tool). ID, when set, makes a repeated report
// harmless. Reason and Location are the driver's own words, for staff and
// subscribers only; a customer hears ReasonCode's fixed sentence.
type Delay struct {
	ID             string     `json:"id,omitempty"`
	ShipmentID     string     `json:"shipment_id,omitempty"`
	TrackingNumber string     `json:"tracking_number,omitempty"`
	Location       string     `json:"location,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	RevisedETA     *time.Time `json:"revised_eta,omitempty"`
	At             time.Time  `json:"at"`
	// ReasonCode is why, from the fixed set; empty is taken from Reason's
	// words (ClassifyDelay), as reports recorded before it existed were.
	ReasonCode DelayReason `json:"reason_code,omitempty"`
}

// Validate checks that the report says which shipment and when, and gives
// a known reason code if any. The free text's bounds (CheckDelayText) are
// checked where it enters, not here: a report accepted before they existed
// must replay as it ran.
func (d Delay) Validate() error {
	switch {
	case d.ShipmentID == "" && d.TrackingNumber == "":
		return required("tracking_number or shipment_id")
	case d.At.IsZero():
		return required("at")
	}
	if d.ReasonCode != "" {
		if r, err := ParseDelayReason(string(d.ReasonCode)); err != nil || r != d.ReasonCode {
			return invalid("reason_code", "must be one of traffic, weather, vehicle, customs, address, other, got %q", d.ReasonCode)
		}
	}
	return nil
}

// Code is the report's reason code: ReasonCode, or else what Reason's
// words speak of.
func (d Delay) Code() DelayReason {
	if d.ReasonCode != "" {
		return d.ReasonCode
	}
	return ClassifyDelay(d.Reason)
}

// utc strips the zone and monotonic reading so stored times survive a JSON
// round trip unchanged, which continue-as-new depends on.
func utc(t time.Time) time.Time { return t.UTC() }

// utcp is utc for an optional time, copying so the state never aliases the
// caller's value.
func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// channels dedupes chs keeping the first occurrence, so the order a
// merchant lists channels in is the order messages are tried.
func channels(chs []Channel) []Channel {
	out := make([]Channel, 0, len(chs))
	for _, c := range chs {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
