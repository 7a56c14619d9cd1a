package woocommerce

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// statusEvents maps the order's status to the events it stands for. Every
// update re-sends the whole order, so the same status arrives many times;
// the events' semantic ids make the repeats harmless. shipped, partial-shipped
// and delivered are the statuses the Advanced Shipment Tracking plugin adds.
func (o wooOrder) statusEvents(id string) ([]order.CommerceEvent, error) {
	status := strings.ToLower(strings.TrimSpace(o.Status))
	if status == "" {
		return nil, commerce.Missing("status")
	}
	event := func(typ order.EventType, at time.Time, suffix string) order.CommerceEvent {
		return order.CommerceEvent{ID: "woocommerce/order/" + id + "/" + suffix, Type: typ, Timestamp: at, OrderID: id}
	}
	switch status {
	case "processing", "completed", "shipped", "partial-shipped", "delivered", "cancelled", "refunded":
	default:
		return nil, fmt.Errorf("order %s is %s: %w", id, status, inbox.ErrIgnored)
	}
	at, err := o.modified()
	if err != nil {
		return nil, err
	}
	switch status {
	case "processing":
		return []order.CommerceEvent{event(order.EventConfirmed, at, "confirmed")}, nil
	case "cancelled":
		return []order.CommerceEvent{event(order.EventCancelled, at, "cancelled")}, nil
	case "refunded":
		e := event(order.EventRefundProcessed, at, "refunded")
		if e.Amount, err = commerce.ParseAmount("total", o.Total); err != nil {
			return nil, err
		}
		if e.Currency, err = commerce.ParseCurrency("currency", o.Currency); err != nil {
			return nil, err
		}
		return []order.CommerceEvent{e}, nil
	}
	tracking, err := o.tracking()
	if err != nil {
		return nil, err
	}
	if len(tracking) == 0 {
		return nil, fmt.Errorf("order %s is %s but has no shipment tracking: %w", id, status, inbox.ErrIgnored)
	}
	var events []order.CommerceEvent
	for _, t := range tracking {
		shipmentID := "woo-" + t.number
		e := event(order.EventShipped, at, "shipped/"+order.TrackingKey(t.number))
		e.Shipment = &order.ShipmentInfo{ID: shipmentID, Carrier: t.carrier, TrackingNumber: t.number}
		events = append(events, e)
		if status == "delivered" {
			e := event(order.EventDelivered, at, "delivered/"+order.TrackingKey(t.number))
			e.ShipmentID = shipmentID
			events = append(events, e)
		}
	}
	return events, nil
}

// modified is when the order last changed, the best time WooCommerce gives
// for a status change; an order never modified has only its creation time.
func (o wooOrder) modified() (time.Time, error) {
	if strings.TrimSpace(o.DateModifiedGMT) == "" && strings.TrimSpace(o.DateCreatedGMT) != "" {
		return commerce.ParseGMT("date_created_gmt", o.DateCreatedGMT)
	}
	return commerce.ParseGMT("date_modified_gmt", o.DateModifiedGMT)
}

// isIgnored reports whether err means the delivery has nothing to apply.
func isIgnored(err error) bool { return errors.Is(err, inbox.ErrIgnored) }
