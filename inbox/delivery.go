// Package inbox is how an inbound webhook becomes a signal without ever being lost: every
// accepted delivery is normalised and stored in Postgres before shipflow answers 2xx, and a
// relay forwards stored deliveries to the order workflows, retrying while Temporal is away and
// holding deliveries for orders or tracking numbers not known yet until they appear.
package inbox

import (
	"errors"
	"slices"

	"github.com/shipflow/shipflow/order"
)

// Sources of inbound deliveries. A delivery's event id is unique within its source.
const (
	SourceCommerce    = "commerce"
	SourceShopify     = "shopify"
	SourceWooCommerce = "woocommerce"
	SourceMagento     = "magento"
	SourceGeneric     = "generic"
	SourceAfterShip   = "aftership"
	SourceEasyPost    = "easypost"
	SourceShipEngine  = "shipengine"
)

// Delivery is one accepted webhook delivery after normalisation: what every adapter, commerce
// platform or carrier, produces. One delivery may carry several events (a Shopify fulfillment
// update is both new tracking info and a status; an AfterShip update lists every checkpoint).
type Delivery struct {
	Source  string `json:"source"`
	EventID string `json:"event_id"` // the provider's delivery id: the inbox's dedupe key
	// Commerce events are applied in order, before the tracking events.
	Commerce []order.CommerceEvent `json:"commerce,omitempty"`
	Tracking []order.TrackingEvent `json:"tracking,omitempty"`
	// OrderID and ShipmentID route tracking events that carry no tracking number (Shopify's
	// fulfillment events name their fulfillment instead); the relay looks the number up.
	OrderID    string `json:"order_id,omitempty"`
	ShipmentID string `json:"shipment_id,omitempty"`
}

// Adapter errors the HTTP layer maps to answers (docs/reference/inbound.md). A *order.FieldError is a
// missing or invalid field (400); a *json.SyntaxError or *json.UnmarshalTypeError is malformed
// JSON (400).
var (
	// ErrUnsupported is a well-formed event of a type or topic shipflow does not handle (422).
	ErrUnsupported = errors.New("unsupported event type")
	// ErrIgnored is a delivery that is valid but carries nothing to apply (a WooCommerce
	// update that changes no status shipflow tracks): it is acknowledged and not stored.
	ErrIgnored = errors.New("nothing to apply")
)

// Types lists what d carries, for a person looking at it: its commerce events' types, then its
// carrier updates' statuses, each once, in order.
func (d Delivery) Types() []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, e := range d.Commerce {
		add(string(e.Type))
	}
	for _, e := range d.Tracking {
		add(string(e.Status))
	}
	return out
}
