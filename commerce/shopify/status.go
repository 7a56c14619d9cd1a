package shopify

import (
	"strings"

	"github.com/shipflow/shipflow/order"
)

// shipmentStatus maps a Shopify fulfillment event status (a fulfillment's
// shipment_status takes the same values) to a shipment status (docs/reference/statuses.md), with the
// substatus that keeps what the mapping loses. Statuses Shopify added later
// map to their nearest meaning. ok is false for a status shipflow does
// not know, which is better skipped than guessed.
func shipmentStatus(s string) (status order.ShipmentStatus, substatus string, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "label_purchased", "label_printed", "confirmed":
		return order.ShipmentInfoReceived, "", true
	case "carrier_picked_up", "in_transit":
		return order.ShipmentInTransit, "", true
	case "delayed":
		return order.ShipmentInTransit, "delayed", true
	case "out_for_delivery":
		return order.ShipmentOutForDelivery, "", true
	case "ready_for_pickup", "ready_for_recipient_pickup":
		return order.ShipmentAvailableForPickup, "", true
	case "attempted_delivery":
		return order.ShipmentAttemptFailed, "", true
	case "delivered":
		return order.ShipmentDelivered, "", true
	case "picked_up": // collected by the customer at a pickup point
		return order.ShipmentDelivered, "picked_up", true
	case "failure":
		return order.ShipmentException, "", true
	case "buyer_action_required":
		return order.ShipmentException, "buyer_action_required", true
	case "returning_to_sender":
		return order.ShipmentReturnedToSender, "", true
	}
	return "", "", false
}
