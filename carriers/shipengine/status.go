package shipengine

import (
	"strings"

	"github.com/shipflow/shipflow/order"
)

// MapStatus maps a ShipEngine status_code and status_detail_code to the
// canonical shipment status (docs/reference/statuses.md). It is exported so that the
// ShipEngine poller classifies scans exactly as the webhook does. A code
// ShipEngine adds later maps to unknown rather than failing: the event is
// still recorded, with the code kept as its raw status.
func MapStatus(statusCode, statusDetailCode string) order.ShipmentStatus {
	detail := strings.ToUpper(strings.TrimSpace(statusDetailCode))
	switch strings.ToUpper(strings.TrimSpace(statusCode)) {
	case "AC", "NY":
		// Accepted, Not yet in system: the label exists, the parcel is not
		// moving yet (ShipEngine reports a freshly printed USPS label as AC).
		return order.ShipmentInfoReceived
	case "IT":
		if detail == "OUT_FOR_DELIVERY" {
			return order.ShipmentOutForDelivery
		}
		return order.ShipmentInTransit
	case "SP":
		return order.ShipmentAvailableForPickup
	case "AT":
		return order.ShipmentAttemptFailed
	case "DE":
		return order.ShipmentDelivered
	case "EX":
		if returning(detail) {
			return order.ShipmentReturnedToSender
		}
		return order.ShipmentException
	case "UN":
		// UN could be read as both info_received and unknown.
		// ShipEngine's UN is "Unknown": the carrier has told it nothing
		// usable, which is the unknown row's meaning; a label not scanned
		// yet is NY. Calling it info_received would also report progress
		// for a tracking number the carrier may not know at all.
		return order.ShipmentUnknown
	}
	return order.ShipmentUnknown
}

// returning reports whether an exception's status_detail_code says the
// parcel is going back to the sender as the outcome, not as a possible
// consequence: RETURN_TO_SENDER, NOT_DELIVERED ("delivery attempts failed,
// your parcel is being returned") and NOT_COLLECTED_FROM_PICKUP_POINT.
// Refused, damaged, moved or prohibited parcels may be sent back too, but
// docs/reference/statuses.md counts those problems as exceptions, for staff to act on.
func returning(detail string) bool {
	switch detail {
	case "NOT_DELIVERED", "NOT_COLLECTED_FROM_PICKUP_POINT":
		return true
	}
	return strings.Contains(detail, "RETURN")
}
