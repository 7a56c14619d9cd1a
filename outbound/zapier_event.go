package outbound

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/order"
)

// ZapierEvent is an event as a Zap receives it: one flat object whose fields a Zap maps from
// without code (docs/connectors.md lists them). Every field is present on every event, empty
// when it does not apply, so a Zap built on one sample maps every later event the same way.
// Only codes, names and addresses are carried, never the free text of a carrier, a driver or a
// caller (an exception's message, a delay's words): a Zap that emails customers cannot pass
// someone else's words on to them. The webhook kind carries the whole event.
type ZapierEvent struct {
	// ID is the event id (webhook-id), the same on every attempt and every subscription.
	ID string `json:"id"`
	// Event is the shipflow event type (order.shipped, ...); Trigger the Zapier trigger key.
	Event   string `json:"event"`
	Trigger string `json:"trigger"`
	// OccurredAt is when the event was published, RFC 3339 UTC.
	OccurredAt string `json:"occurred_at"`
	OrderID    string `json:"order_id"`
	// Status is the order's status after the event (docs/reference/statuses.md).
	Status string `json:"status"`
	// The parcel: the event's shipment, else the order's first one.
	ShipmentID     string `json:"shipment_id"`
	ShipmentStatus string `json:"shipment_status"`
	// Carrier is the carrier's name as customers read it; CarrierCode as the shop gave it.
	Carrier        string `json:"carrier"`
	CarrierCode    string `json:"carrier_code"`
	TrackingNumber string `json:"tracking_number"`
	// TrackingURL is the order's shipflow tracking page (empty without SHIPFLOW_TRACKING_SECRET);
	// CarrierTrackingURL the carrier's own page for the parcel, when the carrier table has one.
	TrackingURL        string `json:"tracking_url"`
	CarrierTrackingURL string `json:"carrier_tracking_url"`
	// ETA is when the parcel (for a parcel's event) or the order is expected, RFC 3339 UTC;
	// empty when nothing still coming has an estimate.
	ETA          string `json:"eta"`
	LastLocation string `json:"last_location"`
	DeliveredAt  string `json:"delivered_at"`
	// ExceptionReason is the open exception's reason code (docs/reference/statuses.md).
	ExceptionReason string `json:"exception_reason"`
	CustomerName    string `json:"customer_name"`
	CustomerEmail   string `json:"customer_email"`
	CustomerPhone   string `json:"customer_phone"`
	CustomerLocale  string `json:"customer_locale"`
	// Test marks an example: a test event, or the canned sample of GET /zapier/v1/samples.
	Test bool `json:"test"`
}

// zapierEvent flattens e, its links made with f's public URL and tracking secret. Data that
// does not decode (it never fails for what the lifecycle publishes) leaves the order's fields
// empty rather than failing the delivery.
func (f FeedSettings) zapierEvent(e Event) ZapierEvent {
	z := ZapierEvent{
		ID: e.ID, Event: e.Type, Trigger: ZapierTriggerOf(e.Type), OccurredAt: stamp(&e.CreatedAt),
		OrderID: e.OrderID, Test: e.Test,
		TrackingURL: f.trackingURL(e.OrderID),
	}
	var d order.EventData
	if json.Unmarshal(e.Data, &d) != nil {
		return z
	}
	v := d.View
	z.Status = string(v.Status)
	z.CustomerName, z.CustomerEmail, z.CustomerPhone, z.CustomerLocale = v.Customer.Name, v.Customer.Email, v.Customer.Phone, v.Customer.Locale
	z.DeliveredAt = stamp(v.DeliveredAt)
	z.ETA = stamp(v.ETA())
	z.ExceptionReason = exceptionOf(d)
	if s, ok := eventParcel(e, v); ok {
		z.ShipmentID, z.ShipmentStatus = s.ShipmentID, string(s.Status)
		z.CarrierCode, z.TrackingNumber = s.Carrier, s.TrackingNumber
		z.Carrier, z.CarrierTrackingURL = carrier.Builtin().Shown(s.Carrier, s.TrackingNumber)
		z.LastLocation = place(s.LastLocation)
		if e.ShipmentID != "" {
			z.ETA = stamp(s.ETA())
			if s.DeliveredAt != nil {
				z.DeliveredAt = stamp(s.DeliveredAt)
			}
		}
	}
	return z
}

// stamp is t as RFC 3339 UTC, or empty.
func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// place is a location as one line: "Kaunas, LT".
func place(l *order.Location) string {
	if l == nil {
		return ""
	}
	var parts []string
	for _, p := range []string{l.City, l.Region, l.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}
