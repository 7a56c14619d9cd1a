// Package shipengine turns ShipEngine tracking webhooks (docs/reference/inbound.md)
// into canonical tracking events. It owns what shipflow knows about
// ShipEngine: the shape of its tracking information, the mapping of its
// status and status detail codes to shipment statuses, and how an event
// gets an id that stays the same whenever ShipEngine repeats it. The
// signature is verified by the caller before ParseWebhook runs. Client polls
// ShipEngine's tracking API for the same tracking information, so a polled
// event has the id its webhook gives it.
package shipengine

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/shipflow/shipflow/carriers/normalize"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// resourceTrack is the webhook resource type of a tracking update; batch,
// rate, carrier and order source webhooks carry no shipment status.
const resourceTrack = "API_TRACK"

// webhook is the envelope ShipEngine posts. Its data is tracking
// information only for API_TRACK, so it is decoded once the resource type
// says so.
type webhook struct {
	ResourceURL  string          `json:"resource_url"`
	ResourceType string          `json:"resource_type"`
	Data         json.RawMessage `json:"data"`
}

// ParseWebhook normalises one ShipEngine webhook body into a delivery with a
// tracking event per tracking event listed, oldest first, so that the inbox
// can store it and the relay can apply it. ShipEngine sends no delivery id,
// so the delivery's EventID is left for the caller to derive from the body.
//
// Malformed JSON returns the *json.SyntaxError or *json.UnmarshalTypeError
// (wrapped), a missing or invalid field an *order.FieldError naming its path
// in the body, and a resource type other than API_TRACK
// inbox.ErrUnsupported.
func ParseWebhook(body []byte) (inbox.Delivery, error) {
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return inbox.Delivery{}, fmt.Errorf("shipengine webhook: %w", err)
	}
	switch {
	case w.ResourceType == "":
		return inbox.Delivery{}, normalize.Required("resource_type")
	case !strings.EqualFold(w.ResourceType, resourceTrack):
		return inbox.Delivery{}, fmt.Errorf("shipengine resource type %s: %w", order.Quote(w.ResourceType), inbox.ErrUnsupported)
	case len(w.Data) == 0 || string(w.Data) == "null":
		return inbox.Delivery{}, normalize.Required("data")
	}
	var info TrackingInfo
	if err := json.Unmarshal(w.Data, &info); err != nil {
		return inbox.Delivery{}, fmt.Errorf("shipengine webhook data: %w", err)
	}
	if strings.TrimSpace(info.CarrierCode) == "" {
		// Older payloads name the carrier only in the resource URL.
		info.CarrierCode = carrierFromURL(w.ResourceURL)
	}
	events, err := info.Events()
	if err != nil {
		return inbox.Delivery{}, normalize.Within("data", err)
	}
	d, err := inbox.CheckedListed("events", inbox.Delivery{Source: inbox.SourceShipEngine, Tracking: events})
	return d, normalize.Within("data", err)
}

// carrierFromURL is the carrier_code query parameter of a tracking resource
// URL such as https://api.shipengine.com/v1/tracking?carrier_code=usps&...
func carrierFromURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Query().Get("carrier_code")
}
