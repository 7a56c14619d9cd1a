// Package woocommerce adapts WooCommerce's order webhooks (POST
// /webhooks/woocommerce) to shipflow's commerce events. WooCommerce sends
// the whole order on every change and says nothing of what changed, so the
// order's status decides the event: processing confirms it, completed ships
// it (one shipment per tracking number the Shipment Tracking plugins keep in
// the order's meta data), cancelled and refunded end it.
//
// WooCommerce gives every delivery a new delivery id, retries included, and
// re-sends the whole order on changes shipflow does not care about, so the
// events carry semantic ids ("woocommerce/order/<id>/confirmed") that the
// order workflow dedupes; the delivery keeps the delivery id for the inbox.
package woocommerce

import (
	"fmt"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// Topics shipflow subscribes to, as WooCommerce names them in
// X-WC-Webhook-Topic.
const (
	TopicOrderCreated = "order.created"
	TopicOrderUpdated = "order.updated"
	TopicOrderDeleted = "order.deleted"
)

// Parse reads one WooCommerce webhook of the given topic; deliveryID is
// X-WC-Webhook-Delivery-ID, the inbox's dedupe key. Check IsPing first: the
// ping sent when a webhook is created is not an order.
//
// Errors: the JSON decoder's error for a malformed body; an
// *order.FieldError naming the path in WooCommerce's payload
// ("billing.email") for a missing or invalid field; inbox.ErrUnsupported for
// another topic; inbox.ErrIgnored for an order whose status shipflow does
// not act on (on-hold, pending, failed, or completed without tracking).
func Parse(topic, deliveryID string, body []byte) (inbox.Delivery, error) {
	var parse func([]byte) (inbox.Delivery, error)
	switch topic {
	case TopicOrderCreated:
		parse = parseCreated
	case TopicOrderUpdated:
		parse = parseUpdated
	case TopicOrderDeleted:
		parse = parseDeleted
	default:
		return inbox.Delivery{}, fmt.Errorf("woocommerce topic %s: %w", order.Quote(topic), inbox.ErrUnsupported)
	}
	if deliveryID == "" {
		return inbox.Delivery{}, fmt.Errorf("woocommerce %s: %w", topic, commerce.Missing("X-WC-Webhook-Delivery-ID"))
	}
	d, err := parse(body)
	if err != nil {
		return inbox.Delivery{}, fmt.Errorf("woocommerce %s: %w", topic, err)
	}
	d.Source, d.EventID = inbox.SourceWooCommerce, deliveryID
	if err := d.Check(); err != nil {
		return inbox.Delivery{}, fmt.Errorf("woocommerce %s: %w", topic, err)
	}
	return d, nil
}
