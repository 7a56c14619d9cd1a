package easypost

import (
	"strings"

	"github.com/shipflow/shipflow/order"
)

// MapStatus maps an EasyPost status and status_detail to the canonical
// shipment status (docs/reference/statuses.md). It is exported so that the EasyPost
// poller classifies scans exactly as the webhook does. A status EasyPost
// adds later maps to unknown rather than failing: the event is still
// recorded, with the status kept as its raw status.
func MapStatus(status, statusDetail string) order.ShipmentStatus {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "pre_transit":
		return order.ShipmentInfoReceived
	case "in_transit":
		return order.ShipmentInTransit
	case "out_for_delivery":
		return order.ShipmentOutForDelivery
	case "available_for_pickup":
		return order.ShipmentAvailableForPickup
	case "delivered":
		return order.ShipmentDelivered
	case "return_to_sender":
		return order.ShipmentReturnedToSender
	case "failure":
		if attempted(statusDetail) {
			return order.ShipmentAttemptFailed
		}
		return order.ShipmentException
	case "error":
		return order.ShipmentException
	case "cancelled", "canceled":
		return order.ShipmentCancelled
	case "unknown":
		// EasyPost's unknown could be read as both info_received
		// and unknown. EasyPost defines it as "the carrier has no available
		// tracking information", which is the unknown row's meaning ("carrier
		// has nothing usable"); a label that exists but is not scanned yet is
		// EasyPost's pre_transit. Calling it info_received would also report
		// progress for a tracking code the carrier may never have issued.
		return order.ShipmentUnknown
	}
	return order.ShipmentUnknown
}

// attempted reports whether a failure's status_detail says the carrier
// tried to deliver. Of the details EasyPost documents (address_correction,
// arrived_at_destination, ..., delivery_exception, ..., transit_exception,
// weather_delay) only delivery_exception places the failure at the delivery
// itself, as opposed to transit_exception in the network; a detail naming
// an attempt outright (as some carriers' pass-through details do) counts
// too. Anything else, refused and damaged included, is an exception.
func attempted(statusDetail string) bool {
	d := strings.ToLower(strings.TrimSpace(statusDetail))
	return d == "delivery_exception" || strings.Contains(d, "attempt")
}
