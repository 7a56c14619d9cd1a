// Package shopify adapts Shopify's Admin webhooks (POST /webhooks/shopify)
// to shipflow's events: orders/create and orders/cancelled become order
// events, orders/updated a contact change (order.updated), fulfillments/create and fulfillments/update become order.shipped
// (with a tracking scan when Shopify knows the shipment's status), and
// fulfillment_events/create becomes a tracking scan routed by its
// fulfillment.
//
// Shopify retries with the original payload, and the same fact reaches
// shipflow under several webhook ids (two subscriptions, a fulfillment
// updated without a change that matters here). The delivery keeps the
// webhook id, which the inbox dedupes; the events carry semantic ids such
// as "shopify/order/<id>/created", which the order workflow dedupes.
package shopify

import (
	"fmt"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// Topics shipflow subscribes to, as Shopify names them in X-Shopify-Topic.
const (
	TopicOrderCreated            = "orders/create"
	TopicOrderCancelled          = "orders/cancelled"
	TopicOrderUpdated            = "orders/updated"
	TopicFulfillmentCreated      = "fulfillments/create"
	TopicFulfillmentUpdated      = "fulfillments/update"
	TopicFulfillmentEventCreated = "fulfillment_events/create"
)

// Parse reads one Shopify webhook of the given topic. webhookID is the id
// the inbox dedupes on (X-Shopify-Event-Id, else X-Shopify-Webhook-Id).
//
// Errors: the JSON decoder's error for a malformed body; an
// *order.FieldError naming the path in Shopify's payload ("line_items[2].sku")
// for a missing or invalid field; inbox.ErrUnsupported for another topic;
// inbox.ErrIgnored for a valid webhook with nothing to apply yet (a
// fulfillment without a tracking number).
func Parse(topic, webhookID string, body []byte) (inbox.Delivery, error) {
	var parse func([]byte) (inbox.Delivery, error)
	switch topic {
	case TopicOrderCreated:
		parse = parseOrderCreated
	case TopicOrderCancelled:
		parse = parseOrderCancelled
	case TopicOrderUpdated:
		parse = parseOrderUpdated
	case TopicFulfillmentCreated, TopicFulfillmentUpdated:
		parse = parseFulfillment
	case TopicFulfillmentEventCreated:
		parse = parseFulfillmentEvent
	default:
		return inbox.Delivery{}, fmt.Errorf("shopify topic %s: %w", order.Quote(topic), inbox.ErrUnsupported)
	}
	if webhookID == "" {
		return inbox.Delivery{}, fmt.Errorf("shopify %s: %w", topic, commerce.Missing("X-Shopify-Webhook-Id"))
	}
	d, err := parse(body)
	if err != nil {
		return inbox.Delivery{}, fmt.Errorf("shopify %s: %w", topic, err)
	}
	d.Source, d.EventID = inbox.SourceShopify, webhookID
	if err := d.Check(); err != nil {
		return inbox.Delivery{}, fmt.Errorf("shopify %s: %w", topic, err)
	}
	return d, nil
}
