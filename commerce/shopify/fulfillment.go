package shopify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// unknownCarrier names the carrier of a fulfillment that has a tracking
// number but no company, as Shopify's own carrier list does. The carrier
// only breaks ties between shipments sharing a tracking number, so an
// unnamed one must not cost the shipment.
const unknownCarrier = "Other"

// fulfillment is the part of Shopify's fulfillment resource (the
// fulfillments/* payloads) that shipflow reads.
type fulfillment struct {
	ID                  commerce.ID `json:"id"`
	OrderID             commerce.ID `json:"order_id"`
	Status              string      `json:"status"`
	CreatedAt           string      `json:"created_at"`
	UpdatedAt           string      `json:"updated_at"`
	TrackingCompany     string      `json:"tracking_company"`
	TrackingNumber      string      `json:"tracking_number"`
	TrackingNumbers     []string    `json:"tracking_numbers"`
	ShipmentStatus      string      `json:"shipment_status"`
	EstimatedDeliveryAt string      `json:"estimated_delivery_at"`
	LineItems           []lineItem  `json:"line_items"`
}

// parseFulfillment maps a created or updated fulfillment. A fulfillment is
// one shipment (shipment_id = fulfillment id) and announcing it again is
// harmless: the event id names the fulfillment and its tracking number, so
// only a new tracking number is news to the order. A shipment_status adds a
// scan; a cancelled fulfillment is a cancelled shipment.
func parseFulfillment(body []byte) (inbox.Delivery, error) {
	var f fulfillment
	if err := json.Unmarshal(body, &f); err != nil {
		return inbox.Delivery{}, err
	}
	id, err := commerce.RequireID("id", f.ID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	orderID, err := commerce.RequireOrderID("order_id", f.OrderID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	tn := f.trackingNumber()
	carrier := first(strings.TrimSpace(f.TrackingCompany), unknownCarrier)
	switch status := strings.ToLower(strings.TrimSpace(f.Status)); status {
	case "cancelled":
		return f.cancelled(id, tn, carrier)
	case "error", "failure":
		return inbox.Delivery{}, fmt.Errorf("fulfillment %s is %s, nothing shipped: %w", id, status, inbox.ErrIgnored)
	}
	if tn == "" {
		return inbox.Delivery{}, fmt.Errorf("fulfillment %s has no tracking number yet: %w", id, inbox.ErrIgnored)
	}
	shippedAt, err := timeOr("created_at", f.CreatedAt, "updated_at", f.UpdatedAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	eta, err := commerce.ParseOptionalTime("estimated_delivery_at", f.EstimatedDeliveryAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	skus, err := f.skus()
	if err != nil {
		return inbox.Delivery{}, err
	}
	d := inbox.Delivery{Commerce: []order.CommerceEvent{{
		ID:        fmt.Sprintf("shopify/fulfillment/%s/shipped/%s", id, order.TrackingKey(tn)),
		Type:      order.EventShipped,
		Timestamp: shippedAt,
		OrderID:   orderID,
		Shipment: &order.ShipmentInfo{
			ID:                id,
			Carrier:           carrier,
			TrackingNumber:    tn,
			Items:             skus,
			EstimatedDelivery: eta,
		},
	}}}
	raw := strings.ToLower(strings.TrimSpace(f.ShipmentStatus))
	if raw == "" {
		return d, nil
	}
	status, substatus, ok := shipmentStatus(raw)
	if !ok {
		return d, nil // the shipment is news enough; an unknown status is not guessed
	}
	at, err := timeOr("updated_at", f.UpdatedAt, "created_at", f.CreatedAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	d.Tracking = []order.TrackingEvent{{
		ID:                fmt.Sprintf("shopify/fulfillment/%s/%s", id, raw),
		Source:            inbox.SourceShopify,
		Carrier:           carrier,
		TrackingNumber:    tn,
		Status:            status,
		Substatus:         substatus,
		RawStatus:         f.ShipmentStatus,
		OccurredAt:        at,
		EstimatedDelivery: eta,
	}}
	return d, nil
}

// cancelled maps a cancelled fulfillment to a cancelled scan of its
// shipment, which stops it counting towards the order. Without a tracking
// number shipflow never knew the shipment, so there is nothing to undo.
func (f fulfillment) cancelled(id, tn, carrier string) (inbox.Delivery, error) {
	if tn == "" {
		return inbox.Delivery{}, fmt.Errorf("fulfillment %s was cancelled before it had a tracking number: %w", id, inbox.ErrIgnored)
	}
	at, err := timeOr("updated_at", f.UpdatedAt, "created_at", f.CreatedAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	return inbox.Delivery{Tracking: []order.TrackingEvent{{
		ID:             fmt.Sprintf("shopify/fulfillment/%s/cancelled", id),
		Source:         inbox.SourceShopify,
		Carrier:        carrier,
		TrackingNumber: tn,
		Status:         order.ShipmentCancelled,
		RawStatus:      f.Status,
		OccurredAt:     at,
	}}}, nil
}

// trackingNumber is the fulfillment's tracking number: tracking_number, or
// the first of tracking_numbers when only the list is filled.
func (f fulfillment) trackingNumber() string {
	if tn := strings.TrimSpace(f.TrackingNumber); tn != "" {
		return tn
	}
	for _, tn := range f.TrackingNumbers {
		if tn = strings.TrimSpace(tn); tn != "" {
			return tn
		}
	}
	return ""
}

// timeOr reads the preferred time field, falling back to the other when
// the preferred one is absent; a missing time is reported under the
// preferred name.
func timeOr(field, value, fallbackField, fallback string) (time.Time, error) {
	if strings.TrimSpace(value) == "" && strings.TrimSpace(fallback) != "" {
		return commerce.ParseTime(fallbackField, fallback)
	}
	return commerce.ParseTime(field, value)
}

// skus lists what the shipment carries, named as orderItems names the
// order's lines.
func (f fulfillment) skus() ([]string, error) {
	var skus []string
	for i, l := range f.LineItems {
		if !l.ships() {
			continue
		}
		sku, err := l.sku(i)
		if err != nil {
			return nil, err
		}
		skus = append(skus, sku)
	}
	return skus, nil
}
