package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// Klaviyo's Events API (developers.klaviyo.com/en/reference/create_event): each event is a
// metric's event on the customer's profile, which Klaviyo flows trigger on.
const (
	// KlaviyoURL is the API base; an endpoint's url replaces it only with a stand-in's.
	KlaviyoURL = "https://a.klaviyo.com"
	// klaviyoHost is the only host the private key is sent to, besides a stand-in.
	klaviyoHost = "a.klaviyo.com"
	// KlaviyoRevision is the API revision this body follows; Klaviyo keeps a revision for two
	// years after the next one.
	KlaviyoRevision = "2026-10-15"
	// KlaviyoAPIKey names the credential: a private API key (pk_...) with events:write.
	KlaviyoAPIKey = "api_key"
	// klaviyoEvents is the Create Event path.
	klaviyoEvents = "/api/events"
)

// klaviyoMetrics name each shipflow event type as a Klaviyo metric: what a merchant picks as
// a flow's trigger. The names are a contract (docs/connectors.md): renaming one would start a
// new metric and leave the merchant's flows waiting on the old one.
var klaviyoMetrics = map[order.PublishType]string{
	order.PublishOrderCreated:           "Order Created",
	order.PublishOrderConfirmed:         "Order Confirmed",
	order.PublishOrderPacked:            "Order Packed",
	order.PublishOrderShipped:           "Shipment Shipped",
	order.PublishShipmentUpdated:        "Shipment Updated",
	order.PublishShipmentOutForDelivery: "Out For Delivery",
	order.PublishShipmentException:      "Shipment Exception",
	order.PublishOrderDelivered:         "Delivered",
	order.PublishOrderCancelled:         "Order Cancelled",
	order.PublishOrderReturnInitiated:   "Return Initiated",
	order.PublishOrderRefundProcessed:   "Refund Processed",
	order.PublishNotificationFailed:     "Shipping Notification Failed",
	order.PublishOrderHumanRequested:    "Callback Requested",
}

// klaviyoMetric is the metric of event type t: the table's, else the type in title case, so a
// type added later still arrives as a metric of its own.
func klaviyoMetric(t string) string {
	if m, ok := klaviyoMetrics[order.PublishType(t)]; ok {
		return m
	}
	f := strings.FieldsFunc(t, func(r rune) bool { return r == '.' || r == '_' })
	for i, w := range f {
		f[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(f, " ")
}

// klaviyo is KindKlaviyo's Transport.
type klaviyo struct{ s *Sender }

// Send creates the event's Klaviyo event. unique_id is the shipflow event id, which Klaviyo
// deduplicates on per profile and metric: a retry after a lost answer records nothing twice.
// Klaviyo answers 202 with no body; 401 and 403 (a revoked key, one without events:write)
// disable the connector, 429 waits for Retry-After, 400 fails the event for staff.
func (k klaviyo) Send(ctx context.Context, o Outgoing, _ int) (Result, time.Time) {
	now := time.Now()
	base, err := platformURL(o.Endpoint.URL, KlaviyoURL, klaviyoHost, k.s.Policy)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	s, err := k.s.shippingOf(o.Event)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	body, err := klaviyoEvent(o.Event, s)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+klaviyoEvents, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Err: fmt.Sprintf("klaviyo request: %v", err)}, now
	}
	req.Header.Set("Authorization", "Klaviyo-API-Key "+o.Credentials[KlaviyoAPIKey])
	req.Header.Set("revision", KlaviyoRevision)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Accept", "application/vnd.api+json")
	req.Header.Set("User-Agent", UserAgent)
	return k.s.call(req), now
}

// klaviyoEvent is the JSON:API body of Create Event for e. The profile is named by every
// identifier the order's customer has (email, phone, the merchant's external id); one with
// none cannot be an event of anyone's, which is a refusal of this event, not a retry.
func klaviyoEvent(e Event, s shipping) ([]byte, error) {
	profile := map[string]string{}
	if s.Email != "" {
		profile["email"] = s.Email
	}
	if p := order.E164(s.Phone); p != "" {
		profile["phone_number"] = p
	}
	if s.ExternalID != "" {
		profile["external_id"] = s.ExternalID
	}
	if len(profile) == 0 {
		return nil, fmt.Errorf("order %s: the customer has no email, phone or external id to name a Klaviyo profile", s.OrderID)
	}
	props := map[string]any{
		"OrderId":     s.OrderID,
		"OrderStatus": s.Stage,
		"Status":      words(s.Stage),
		"EventType":   e.Type,
	}
	set := func(k, v string) {
		if v != "" {
			props[k] = v
		}
	}
	set("ShipmentId", s.ShipmentID)
	set("Carrier", s.Carrier)
	set("TrackingNumber", s.TrackingNumber)
	set("TrackingUrl", s.TrackingURL)
	set("ExceptionReason", words(s.Exception))
	if e.Test {
		props["Test"] = true // POST .../test: the catalogue's example order, for setting up a flow
	}
	if s.ETA != nil {
		props["EstimatedDelivery"] = s.ETA.UTC().Format(time.RFC3339)
	}
	names := make([]string, 0, len(s.Items))
	items := make([]map[string]any, 0, len(s.Items))
	for _, it := range s.Items {
		names = append(names, it.Name)
		items = append(items, map[string]any{"SKU": it.SKU, "ProductName": it.Name, "Quantity": it.Quantity})
	}
	props["ItemNames"] = names
	props["Items"] = items
	at := e.CreatedAt
	if at.IsZero() {
		at = time.Now()
	}
	return json.Marshal(map[string]any{"data": map[string]any{
		"type": "event",
		"attributes": map[string]any{
			"properties": props,
			"time":       at.UTC().Format(time.RFC3339),
			"unique_id":  e.ID,
			"metric":     map[string]any{"data": map[string]any{"type": "metric", "attributes": map[string]string{"name": klaviyoMetric(e.Type)}}},
			"profile":    map[string]any{"data": map[string]any{"type": "profile", "attributes": profile}},
		},
	}})
}

// checkKlaviyo refuses what Klaviyo would: a key that is not a private key (a public site id
// or a key pasted with spaces around it is a 400 naming the field), and an API URL that is not
// Klaviyo's (422), except a stand-in reached by address.
func checkKlaviyo(raw string, creds map[string]string) error {
	if err := checkKey("credentials."+KlaviyoAPIKey, creds[KlaviyoAPIKey], "pk_", 8, 120); err != nil {
		return err
	}
	return checkPlatformURL(raw, klaviyoHost, false)
}

// words is a status or reason code as people read it: out_for_delivery is "out for delivery".
func words(code string) string { return strings.ReplaceAll(code, "_", " ") }
