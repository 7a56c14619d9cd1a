package commerce

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// body is a commerce event as POSTed to /webhooks/commerce (docs/reference/inbound.md).
type body struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      data   `json:"data"`
}

// data holds the fields of every event type; which ones count depends on
// the type. Times and amounts stay text until parsed, so that a bad value
// is reported with its path rather than as a decoding error.
type data struct {
	OrderID          ID              `json:"order_id"`
	Customer         *order.Customer `json:"customer"`
	Notify           *notify         `json:"notify"`
	Items            []order.Item    `json:"items"`
	PromisedDelivery string          `json:"promised_delivery"`
	ShippingAddress  *order.Address  `json:"shipping_address"`
	Shipment         *shipment       `json:"shipment"`
	ReturnShipment   *shipment       `json:"return_shipment"`
	ShipmentID       ID              `json:"shipment_id"`
	Reason           string          `json:"reason"`
	Amount           json.RawMessage `json:"amount"`
	Currency         string          `json:"currency"`
}

type notify struct {
	Channels []order.Channel `json:"channels"`
	// DailyUpdates is the customer's choice about daily updates; absent leaves it to the
	// merchant's default (SHIPFLOW_DAILY_UPDATES). A JSON boolean or null, nothing else.
	DailyUpdates *bool `json:"daily_updates"`
}

type shipment struct {
	ID                ID       `json:"shipment_id"`
	Carrier           string   `json:"carrier"`
	TrackingNumber    string   `json:"tracking_number"`
	Items             []string `json:"items"`
	EstimatedDelivery string   `json:"estimated_delivery"`
	Service           string   `json:"service"`
}

// Parse reads one shipflow commerce event (docs/reference/inbound.md). eventID is the
// webhook-id header, the only thing that tells a retry from a new event, so
// it becomes the event's ID. The result is a delivery of source "commerce"
// holding that one event.
//
// Errors: the JSON decoder's error for a malformed body; an
// *order.FieldError naming the field's path ("data.customer.email") for a
// missing or invalid field; inbox.ErrUnsupported for an unknown type.
func Parse(eventID string, raw []byte) (inbox.Delivery, error) {
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return inbox.Delivery{}, fmt.Errorf("commerce event: %w", err)
	}
	e, err := b.event(eventID)
	if err != nil {
		return inbox.Delivery{}, fmt.Errorf("commerce event: %w", err)
	}
	d := inbox.Delivery{Source: inbox.SourceCommerce, EventID: eventID, Commerce: []order.CommerceEvent{e}}
	if err := d.Check(); err != nil {
		return inbox.Delivery{}, err
	}
	return d, nil
}

// event builds the CommerceEvent of b, filling only the fields its type
// carries, so that stray fields of another type do not reach the order.
func (b body) event(eventID string) (order.CommerceEvent, error) {
	if b.Type == "" {
		return order.CommerceEvent{}, Missing("type")
	}
	typ, err := order.ParseEventType(b.Type)
	if err != nil {
		return order.CommerceEvent{}, fmt.Errorf("%w %s", inbox.ErrUnsupported, order.Quote(b.Type))
	}
	if eventID == "" {
		return order.CommerceEvent{}, Missing("webhook-id")
	}
	ts, err := ParseTime("timestamp", b.Timestamp)
	if err != nil {
		return order.CommerceEvent{}, err
	}
	orderID, err := RequireOrderID("data.order_id", b.Data.OrderID)
	if err != nil {
		return order.CommerceEvent{}, err
	}
	e := order.CommerceEvent{ID: eventID, Type: typ, Timestamp: ts, OrderID: orderID}
	d := b.Data
	switch typ {
	case order.EventCreated:
		err = d.created(&e)
	case order.EventShipped:
		err = d.shipped(&e)
	case order.EventDelivered:
		e.ShipmentID, err = RequireID("data.shipment_id", d.ShipmentID)
	case order.EventCancelled:
		e.Reason = strings.TrimSpace(d.Reason)
	case order.EventReturnInitiated:
		e.Reason = strings.TrimSpace(d.Reason)
		err = d.returnShipment(&e)
	case order.EventCustomerUpdated, order.EventOrderUpdated:
		err = d.contact(&e)
	case order.EventRefundProcessed:
		err = d.refund(&e)
	}
	return e, err
}

func (d data) created(e *order.CommerceEvent) error {
	if d.Customer == nil {
		return Missing("data.customer")
	}
	c := *d.Customer
	e.Customer = &c
	if d.Notify != nil {
		e.Notify = d.Notify.Channels
		e.DailyUpdates = d.Notify.DailyUpdates
	}
	e.Items = d.Items
	promised, err := ParseOptionalTime("data.promised_delivery", d.PromisedDelivery)
	if err != nil {
		return err
	}
	e.PromisedDelivery = promised
	if a := d.ShippingAddress; a != nil && *a != (order.Address{}) {
		addr := *a
		e.ShippingAddress = &addr
	}
	return nil
}

func (d data) shipped(e *order.CommerceEvent) error {
	s := d.Shipment
	if s == nil {
		return Missing("data.shipment")
	}
	id, err := RequireID("data.shipment.shipment_id", s.ID)
	if err != nil {
		return err
	}
	eta, err := ParseOptionalTime("data.shipment.estimated_delivery", s.EstimatedDelivery)
	if err != nil {
		return err
	}
	e.Shipment = &order.ShipmentInfo{
		ID:                id,
		Carrier:           strings.TrimSpace(s.Carrier),
		TrackingNumber:    strings.TrimSpace(s.TrackingNumber),
		Items:             s.Items,
		EstimatedDelivery: eta,
		Service:           strings.TrimSpace(s.Service),
	}
	return nil
}

// returnShipment reads the optional parcel a return is sent back in: carrier and tracking
// number as order.shipped's shipment has them, its id optional.
func (d data) returnShipment(e *order.CommerceEvent) error {
	s := d.ReturnShipment
	if s == nil {
		return nil
	}
	rs := &order.ShipmentInfo{Carrier: strings.TrimSpace(s.Carrier), TrackingNumber: strings.TrimSpace(s.TrackingNumber)}
	if s.ID != "" {
		id, err := RequireID("data.return_shipment.shipment_id", s.ID)
		if err != nil {
			return err
		}
		rs.ID = id
	}
	e.ReturnShipment = rs
	return nil
}

// contact reads a contact change: the customer object of order.created, of which the fields
// given replace the order's (the order package validates them as order.created's).
func (d data) contact(e *order.CommerceEvent) error {
	if d.Customer == nil {
		return Missing("data.customer")
	}
	c := *d.Customer
	e.Customer = &c
	return nil
}

func (d data) refund(e *order.CommerceEvent) error {
	amount, err := text("data.amount", d.Amount)
	if err != nil {
		return err
	}
	if e.Amount, err = ParseAmount("data.amount", amount); err != nil {
		return err
	}
	e.Currency = d.Currency
	return nil
}

// text reads a JSON value that may be a string or a number ("12.50" or
// 12.50) as text, the way merchants send amounts.
func text(field string, raw json.RawMessage) (string, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return "", nil
	case s[0] == '"':
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return "", err
		}
		return str, nil
	case s[0] == '-' || (s[0] >= '0' && s[0] <= '9'):
		return s, nil
	}
	return "", Invalid(field, "must be a decimal amount such as 12.50, got %s", s)
}
