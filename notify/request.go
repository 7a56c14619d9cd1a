package notify

import (
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// Request asks for one customer message about a milestone on one channel, with what the
// message may say, taken from the order when the milestone happened. It is the input of the
// order workflow's notification activities, so its JSON is in stored workflow histories:
// field names and tags must not change.
type Request struct {
	OrderID    string          `json:"order_id"`
	Milestone  order.Milestone `json:"milestone"`
	ShipmentID string          `json:"shipment_id,omitempty"`
	Channel    order.Channel   `json:"channel,omitempty"`
	// Channels is set instead of Channel by runs recorded before sends were per channel.
	Channels  []order.Channel `json:"channels,omitempty"`
	Customer  order.Customer  `json:"customer"`
	Shipments []Shipment      `json:"shipments,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	// DelayReason is set instead of Reason for a driver's delay: the customer is told its
	// fixed sentence, never the driver's words.
	DelayReason order.DelayReason `json:"delay_reason,omitempty"`
	// Superseded, when set, says why the message is not to be sent after all (it waited out
	// the customer's quiet hours and the order moved on meanwhile): the Service only logs it.
	Superseded string `json:"superseded,omitempty"`
}

// Shipment is what a message may say about one shipment.
type Shipment struct {
	ID             string               `json:"id"`
	Carrier        string               `json:"carrier"`
	TrackingNumber string               `json:"tracking_number"`
	Items          []string             `json:"items,omitempty"` // item names
	ETA            *time.Time           `json:"eta,omitempty"`
	Status         order.ShipmentStatus `json:"status"`
	City           string               `json:"city,omitempty"`
}

// Key identifies one message across every attempt to send it.
func Key(r Request) string {
	return strings.Join([]string{r.OrderID, string(r.Milestone), r.ShipmentID, string(r.Channel)}, "/")
}
