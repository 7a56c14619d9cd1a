package outbound

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shipflow/shipflow/order"
)

// fulfillmentStatus is a value of Shopify's FulfillmentEventStatus.
type fulfillmentStatus string

// The fulfillment event statuses shipflow writes (docs/connectors.md#shopify).
const (
	fulfillmentInTransit         fulfillmentStatus = "IN_TRANSIT"
	fulfillmentOutForDelivery    fulfillmentStatus = "OUT_FOR_DELIVERY"
	fulfillmentReadyForPickup    fulfillmentStatus = "READY_FOR_PICKUP"
	fulfillmentAttemptedDelivery fulfillmentStatus = "ATTEMPTED_DELIVERY"
	fulfillmentDelivered         fulfillmentStatus = "DELIVERED"
	fulfillmentDelayed           fulfillmentStatus = "DELAYED"
	fulfillmentFailure           fulfillmentStatus = "FAILURE"
)

// fulfillmentStatuses map a shipment's status onto the fulfillment event Shopify knows it by,
// with the message written beside it. The message is shipflow's own fixed words, never the
// carrier's text: Shopify may show it to the customer. Statuses missing here (info_received,
// unknown, cancelled) have nothing to write: Shopify already shows a fulfillment as confirmed.
var fulfillmentStatuses = map[order.ShipmentStatus]struct {
	status  fulfillmentStatus
	message string
}{
	order.ShipmentInTransit:          {fulfillmentInTransit, "In transit"},
	order.ShipmentOutForDelivery:     {fulfillmentOutForDelivery, "Out for delivery"},
	order.ShipmentAvailableForPickup: {fulfillmentReadyForPickup, "Ready for pickup"},
	order.ShipmentAttemptFailed:      {fulfillmentAttemptedDelivery, "Delivery attempted"},
	order.ShipmentDelivered:          {fulfillmentDelivered, "Delivered"},
	order.ShipmentException:          {fulfillmentFailure, "The carrier reported a problem"},
	order.ShipmentReturnedToSender:   {fulfillmentFailure, "Returning to the sender"},
}

// delayedMessage is the message of a DELAYED event: an exception shipflow raised for a parcel
// that is late, silent or held up by its driver, while the carrier still says it moves.
const delayedMessage = "Delayed"

// Bounds of the place sent with an event. A carrier's place that is longer or holds anything
// but printable text is left out rather than cut.
const maxShopifyPlace = 100

// fulfillmentWrite is one fulfillment event to add.
type fulfillmentWrite struct {
	fulfillment string // the numeric id: the shipment's id
	status      fulfillmentStatus
	message     string
	happenedAt  time.Time // whole seconds, UTC, as Shopify keeps it
	eta         *time.Time
	place       order.Location
}

// shopifyEventInput is Shopify's FulfillmentEventInput.
type shopifyEventInput struct {
	FulfillmentID       string `json:"fulfillmentId"`
	Status              string `json:"status"`
	HappenedAt          string `json:"happenedAt"`
	EstimatedDeliveryAt string `json:"estimatedDeliveryAt,omitempty"`
	Message             string `json:"message,omitempty"`
	City                string `json:"city,omitempty"`
	Province            string `json:"province,omitempty"`
	Zip                 string `json:"zip,omitempty"`
	Country             string `json:"country,omitempty"`
}

// input is w as fulfillmentEventCreate's argument.
func (w fulfillmentWrite) input(gid string) shopifyEventInput {
	in := shopifyEventInput{
		FulfillmentID: gid,
		Status:        string(w.status),
		HappenedAt:    w.happenedAt.Format(time.RFC3339),
		Message:       w.message,
		City:          shopifyPlace(w.place.City),
		Province:      shopifyPlace(w.place.Region),
		Zip:           shopifyPlace(w.place.PostalCode),
		Country:       shopifyPlace(w.place.Country),
	}
	if w.eta != nil {
		in.EstimatedDeliveryAt = w.eta.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return in
}

// shopifyPlace is a carrier's place name if it is short printable text, else nothing.
func shopifyPlace(s string) string {
	if len(s) > maxShopifyPlace || order.CheckText("place", s, maxShopifyPlace) != nil {
		return ""
	}
	return s
}

// shopifyPlan reads what an event asks to write back, and a note for what it leaves alone, for
// the attempt log. Each parcel's status is written from shipment.updated, which every status
// change publishes, and a delay shipflow raised itself (late, stale, a driver's report) from
// shipment.exception; every other type is delivered with a note and writes nothing. So no two
// events of one scan write the same fulfillment event: their deliveries are attempted at the
// same moment, and reading the fulfillment's events first (write) cannot order two attempts
// racing each other. Nothing is written for an order that did not come from Shopify, a return
// parcel, a shipment whose id is not a Shopify fulfillment id, or a status Shopify has no event
// for.
func shopifyPlan(e Event) ([]fulfillmentWrite, []string, error) {
	switch e.Type {
	case string(order.PublishShipmentUpdated), string(order.PublishShipmentException):
	default:
		return nil, []string{fmt.Sprintf("not written back: %s (a parcel's status is written from %s, a delay from %s)",
			e.Type, order.PublishShipmentUpdated, order.PublishShipmentException)}, nil
	}
	var d order.EventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return nil, nil, fmt.Errorf("reading the event's data: %w", err)
	}
	if d.Origin != order.OriginShopify {
		return nil, []string{fmt.Sprintf("not written back: order %s did not come from Shopify", e.OrderID)}, nil
	}
	if e.Type == string(order.PublishShipmentException) && delayed(e, d) == nil {
		return nil, []string{"not written back: a carrier's problem is written from the parcel's " + string(order.PublishShipmentUpdated)}, nil
	}
	for _, s := range d.Shipments {
		if s.ShipmentID != e.ShipmentID || e.ShipmentID == "" {
			continue
		}
		w, why := shopifyWrite(e, d, s)
		if why != "" {
			return nil, []string{fmt.Sprintf("shipment %s: %s", s.ShipmentID, why)}, nil
		}
		return []fulfillmentWrite{w}, nil, nil
	}
	return nil, []string{fmt.Sprintf("not written back: shipment %s is not in the event's data", e.ShipmentID)}, nil
}

// shopifyWrite is the fulfillment event a parcel's milestone becomes, or why there is none.
// The time is the carrier's scan's (last_event_at), so the same scan seen through two events
// (shipment.updated and shipment.exception) is one fulfillment event; a delay shipflow raised
// itself takes the time it was raised.
func shopifyWrite(e Event, d order.EventData, s order.ShipmentView) (fulfillmentWrite, string) {
	switch {
	case s.Return:
		return fulfillmentWrite{}, "a return parcel, not a fulfillment: nothing written"
	case !shopifyNumericID(s.ShipmentID):
		return fulfillmentWrite{}, "not a Shopify fulfillment id: nothing written"
	}
	w := fulfillmentWrite{fulfillment: s.ShipmentID, happenedAt: e.CreatedAt, eta: s.EstimatedDelivery}
	if s.LastEventAt != nil {
		w.happenedAt = *s.LastEventAt
	}
	if l := s.LastLocation; l != nil {
		w.place = *l
	}
	if x := delayed(e, d); x != nil {
		w.status, w.message, w.happenedAt = fulfillmentDelayed, delayedMessage, x.RaisedAt
	} else if m, ok := fulfillmentStatuses[s.Status]; ok {
		w.status, w.message = m.status, m.message
	} else {
		return fulfillmentWrite{}, fmt.Sprintf("status %s has no Shopify fulfillment event: nothing written", s.Status)
	}
	if w.happenedAt.IsZero() {
		w.happenedAt = e.CreatedAt
	}
	w.happenedAt = w.happenedAt.UTC().Truncate(time.Second)
	return w, ""
}

// delayed is the exception a shipment.exception raised when it says the parcel is late rather
// than in trouble (late, stale, a driver's delay), or nil.
func delayed(e Event, d order.EventData) *order.Exception {
	if e.Type != string(order.PublishShipmentException) || d.Event == nil || d.Event.Exception == nil {
		return nil
	}
	switch x := d.Event.Exception; x.Reason {
	case order.ReasonLate, order.ReasonStale, order.ReasonDriverDelay:
		return x
	}
	return nil
}

// maxShopifyID is the most digits of a Shopify id (an unsigned 64-bit number).
const maxShopifyID = 20

// shopifyNumericID reports whether id can be a Shopify resource's numeric id.
func shopifyNumericID(id string) bool {
	if id == "" || len(id) > maxShopifyID || id[0] == '0' {
		return false
	}
	for i := range len(id) {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}
