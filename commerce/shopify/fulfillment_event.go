package shopify

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// fulfillmentEvent is Shopify's fulfillment event resource: one carrier
// scan of a fulfillment, without its tracking number.
type fulfillmentEvent struct {
	ID                  commerce.ID `json:"id"`
	FulfillmentID       commerce.ID `json:"fulfillment_id"`
	OrderID             commerce.ID `json:"order_id"`
	Status              string      `json:"status"`
	Message             string      `json:"message"`
	HappenedAt          string      `json:"happened_at"`
	CreatedAt           string      `json:"created_at"`
	City                string      `json:"city"`
	Province            string      `json:"province"`
	Zip                 string      `json:"zip"`
	Country             string      `json:"country"`
	EstimatedDeliveryAt string      `json:"estimated_delivery_at"`
}

// parseFulfillmentEvent maps a fulfillment event to a scan. It names its
// fulfillment, not a tracking number, so the delivery carries the order and
// shipment (the fulfillment id is the shipment id) and the relay fills in
// the number from what the order knows.
func parseFulfillmentEvent(body []byte) (inbox.Delivery, error) {
	var e fulfillmentEvent
	if err := json.Unmarshal(body, &e); err != nil {
		return inbox.Delivery{}, err
	}
	id, err := commerce.RequireID("id", e.ID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	fulfillmentID, err := commerce.RequireID("fulfillment_id", e.FulfillmentID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	orderID, err := commerce.RequireOrderID("order_id", e.OrderID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	if strings.TrimSpace(e.Status) == "" {
		return inbox.Delivery{}, commerce.Missing("status")
	}
	status, substatus, ok := shipmentStatus(e.Status)
	if !ok {
		return inbox.Delivery{}, fmt.Errorf("fulfillment event %s has status %s, which shipflow does not track: %w", id, order.Quote(e.Status), inbox.ErrIgnored)
	}
	at, err := timeOr("happened_at", e.HappenedAt, "created_at", e.CreatedAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	eta, err := commerce.ParseOptionalTime("estimated_delivery_at", e.EstimatedDeliveryAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	return inbox.Delivery{
		Tracking: []order.TrackingEvent{{
			ID:          "shopify/fulfillment_event/" + id,
			Source:      inbox.SourceShopify,
			Status:      status,
			Substatus:   substatus,
			RawStatus:   e.Status,
			Description: strings.TrimSpace(e.Message),
			Location: order.Location{
				City:       strings.TrimSpace(e.City),
				Region:     strings.TrimSpace(e.Province),
				PostalCode: strings.TrimSpace(e.Zip),
				Country:    strings.TrimSpace(e.Country),
			},
			OccurredAt:        at,
			EstimatedDelivery: eta,
		}},
		OrderID:    orderID,
		ShipmentID: fulfillmentID,
	}, nil
}
