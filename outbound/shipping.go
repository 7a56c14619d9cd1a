package outbound

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

// shipping is what a marketing or CRM connector tells its platform about an event: whose
// order, which parcel, where it stands, how to follow it and when it should arrive. It is
// read from the event's data (order.EventData), so a connector carries what a webhook
// subscriber would see, in the platform's words.
type shipping struct {
	OrderID  string
	Customer order.Customer
	Items    []order.Item
	// OrderStatus is the order's status; Stage the event's parcel's status when the event
	// names one (the order's otherwise), in words ("out for delivery").
	OrderStatus string
	Stage       string
	// Parcel: the event's shipment, else the order's first; empty before anything ships.
	ShipmentID     string
	Carrier        string // the carrier's display name (carrier table), or the name as given
	TrackingNumber string
	// TrackingLink is the order's tracking page when the deployment has one
	// (SHIPFLOW_PUBLIC_URL with a tracking secret), else the carrier's page for the parcel.
	TrackingLink string
	// ETA is the parcel's estimated delivery, else the order's estimate or promise.
	ETA *time.Time
	// Exception is the open problem's reason, for shipment.exception and after.
	Exception string
}

// readShipping reads what connectors send of e. Data that is not an order's view is an error:
// the attempt fails for staff to see rather than telling a platform nothing.
func (f FeedSettings) readShipping(e Event) (shipping, error) {
	var d order.EventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return shipping{}, fmt.Errorf("reading event %s data: %w", e.ID, err)
	}
	s := shipping{
		OrderID: d.OrderID, Customer: d.Customer, Items: d.Items,
		OrderStatus: string(d.Status), Stage: words(string(d.Status)),
		ETA: d.EstimatedDelivery,
	}
	if s.OrderID == "" {
		s.OrderID = e.OrderID
	}
	if d.PromisedDelivery != nil && s.ETA == nil {
		s.ETA = d.PromisedDelivery
	}
	if d.Exception != nil {
		s.Exception = words(string(d.Exception.Reason))
	}
	for i, sh := range d.Shipments {
		if sh.ShipmentID != e.ShipmentID && (e.ShipmentID != "" || i > 0) {
			continue
		}
		s.ShipmentID = sh.ShipmentID
		s.TrackingNumber = sh.TrackingNumber
		s.Carrier, s.TrackingLink = carrier.Builtin().Shown(sh.Carrier, sh.TrackingNumber)
		if sh.EstimatedDelivery != nil {
			s.ETA = sh.EstimatedDelivery
		}
		if e.ShipmentID != "" && sh.Status != "" {
			s.Stage = words(string(sh.Status))
		}
		break
	}
	if d.Exception != nil && (d.Exception.ShipmentID == "" || d.Exception.ShipmentID == s.ShipmentID) {
		s.Stage = words(string(order.StatusException)) // an open problem is the parcel's stage until it clears
	}
	if page := tracklink.URL(f.PublicURL, f.TrackingSecret, s.OrderID); page != "" {
		s.TrackingLink = page
	}
	return s, nil
}

// words is a status code as people read it: out_for_delivery is "out for delivery".
func words(code string) string { return strings.ReplaceAll(code, "_", " ") }
