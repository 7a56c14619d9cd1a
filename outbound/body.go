package outbound

import (
	"encoding/json"
	"time"
)

// Body is what a subscriber receives: the shape of docs/reference/outbound-webhooks.md, with the order's view as of the
// event as data. docs/receiving-webhooks.md documents it for receivers; change both together.
type Body struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Metadata  Metadata        `json:"metadata"`
	Data      json.RawMessage `json:"data"`
}

// Metadata says which event a body carries and which attempt at delivering it this is.
type Metadata struct {
	EventID string `json:"event_id"`
	OrderID string `json:"order_id"`
	// ShipmentID names the parcel a shipment.* event (and a parcel's order.shipped,
	// notification.failed) is about, so a subscriber of a split order can act on it.
	ShipmentID string `json:"shipment_id,omitempty"`
	Sequence   int64  `json:"sequence"`
	Attempt    int    `json:"attempt"`
	// Test marks an event sent by POST /v1/webhook-endpoints/{id}/test: an example, about no
	// real order. Absent on every other event.
	Test bool `json:"test,omitempty"`
}

// NewBody is the body of attempt number attempt (1 for the first) at delivering e.
func NewBody(e Event, attempt int) Body {
	return Body{
		Type:      e.Type,
		Timestamp: e.CreatedAt.UTC(),
		Metadata:  Metadata{EventID: e.ID, OrderID: e.OrderID, ShipmentID: e.ShipmentID, Sequence: e.Seq, Attempt: attempt, Test: e.Test},
		Data:      e.Data,
	}
}
