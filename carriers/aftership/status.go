package aftership

import (
	"strings"

	"github.com/shipflow/shipflow/order"
)

// MapStatus maps an AfterShip tag and subtag to the canonical shipment
// status (docs/reference/statuses.md). It is exported so that the AfterShip poller
// classifies scans exactly as the webhook does. A tag AfterShip adds later
// maps to unknown rather than failing: the event is still recorded, with
// the tag kept as its raw status.
func MapStatus(tag, subtag string) order.ShipmentStatus {
	tag, subtag = strings.TrimSpace(tag), strings.TrimSpace(subtag)
	if tag == "" {
		// A subtag is its tag with a number, e.g. Exception_011.
		tag, _, _ = strings.Cut(subtag, "_")
	}
	switch strings.ToLower(tag) {
	case "pending", "inforeceived":
		return order.ShipmentInfoReceived
	case "intransit":
		return order.ShipmentInTransit
	case "outfordelivery":
		return order.ShipmentOutForDelivery
	case "availableforpickup":
		return order.ShipmentAvailableForPickup
	case "attemptfail":
		return order.ShipmentAttemptFailed
	case "delivered":
		return order.ShipmentDelivered
	case "exception":
		switch strings.ToLower(subtag) {
		case "exception_010", "exception_011": // returning to sender, returned to sender
			return order.ShipmentReturnedToSender
		}
		return order.ShipmentException
	case "expired":
		// AfterShip gave up: no information for 30 days.
		return order.ShipmentUnknown
	}
	return order.ShipmentUnknown
}
