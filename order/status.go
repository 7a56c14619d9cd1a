package order

import "fmt"

// Status is where an order stands as a whole. It is what a customer, a
// support agent or a subscriber asks about, so it is derived from the
// shipments rather than reported by any one system (docs/reference/statuses.md).
type Status string

// Order statuses. The first seven are stages of the order's journey and are
// ranked in this order; exception, cancelled and returned override the
// stage.
const (
	StatusCreated        Status = "created"
	StatusConfirmed      Status = "confirmed"
	StatusPacked         Status = "packed"
	StatusShipped        Status = "shipped"
	StatusInTransit      Status = "in_transit"
	StatusOutForDelivery Status = "out_for_delivery"
	StatusDelivered      Status = "delivered"
	StatusException      Status = "exception"
	StatusCancelled      Status = "cancelled"
	StatusReturned       Status = "returned"
)

// stages ranks the order statuses that describe progress, least advanced
// first, so that a split order can take the least advanced of its parts.
var stages = []Status{
	StatusCreated,
	StatusConfirmed,
	StatusPacked,
	StatusShipped,
	StatusInTransit,
	StatusOutForDelivery,
	StatusDelivered,
}

// rank places s among the stages. The empty status counts as created so
// that a zero Order ranks sensibly; the overriding statuses rank -1.
func rank(s Status) int {
	if s == "" {
		return 0
	}
	for i, st := range stages {
		if st == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is one of the order statuses, for callers that
// accept a status from outside (a list filter, a stored row).
func (s Status) Valid() bool {
	switch s {
	case StatusException, StatusCancelled, StatusReturned:
		return true
	}
	return s != "" && rank(s) >= 0
}

// Statuses are every order status: the stages in order, then those that override them.
func Statuses() []Status {
	return append(append([]Status{}, stages...), StatusException, StatusCancelled, StatusReturned)
}

// ParseStatus checks an order status given from outside, such as the
// status filter of the order list API.
func ParseStatus(s string) (Status, error) {
	if st := Status(s); st.Valid() {
		return st, nil
	}
	return "", fmt.Errorf("unknown order status %s", Quote(s))
}

// ShipmentStatus is the canonical status of one shipment (docs/reference/statuses.md),
// the common language every carrier and aggregator is normalised to.
type ShipmentStatus string

// Shipment statuses (docs/reference/statuses.md).
const (
	ShipmentInfoReceived       ShipmentStatus = "info_received"
	ShipmentInTransit          ShipmentStatus = "in_transit"
	ShipmentOutForDelivery     ShipmentStatus = "out_for_delivery"
	ShipmentAvailableForPickup ShipmentStatus = "available_for_pickup"
	ShipmentAttemptFailed      ShipmentStatus = "attempt_failed"
	ShipmentDelivered          ShipmentStatus = "delivered"
	ShipmentException          ShipmentStatus = "exception"
	ShipmentReturnedToSender   ShipmentStatus = "returned_to_sender"
	ShipmentCancelled          ShipmentStatus = "cancelled"
	ShipmentUnknown            ShipmentStatus = "unknown"
)

// ParseShipmentStatus checks a status produced by a normaliser or sent by
// the generic carrier webhook, so that nothing outside the vocabulary
// reaches an order.
func ParseShipmentStatus(s string) (ShipmentStatus, error) {
	switch st := ShipmentStatus(s); st {
	case ShipmentInfoReceived, ShipmentInTransit, ShipmentOutForDelivery,
		ShipmentAvailableForPickup, ShipmentAttemptFailed, ShipmentDelivered,
		ShipmentException, ShipmentReturnedToSender, ShipmentCancelled,
		ShipmentUnknown:
		return st, nil
	}
	return "", fmt.Errorf("unknown shipment status %s", Quote(s))
}

// stage is the order stage a shipment in status s stands for. A parcel with
// a carrier problem or on its way back is still in the carrier's hands, so
// exception and returned_to_sender count as in transit; the open exception,
// not the stage, tells the customer something is wrong.
func (s ShipmentStatus) stage() Status {
	switch s {
	case ShipmentInTransit, ShipmentAttemptFailed, ShipmentException, ShipmentReturnedToSender:
		return StatusInTransit
	case ShipmentOutForDelivery, ShipmentAvailableForPickup:
		return StatusOutForDelivery
	case ShipmentDelivered:
		return StatusDelivered
	}
	return StatusShipped
}

// progress reports whether a scan in status s shows the parcel moving on,
// which is what closes a carrier problem without staff.
func (s ShipmentStatus) progress() bool {
	switch s {
	case ShipmentInTransit, ShipmentOutForDelivery, ShipmentAvailableForPickup, ShipmentDelivered:
		return true
	}
	return false
}

// afterDelivered reports whether status s may follow delivered: a delivered
// parcel can only still come back or turn out to be a problem.
func (s ShipmentStatus) afterDelivered() bool {
	return s == ShipmentDelivered || s == ShipmentReturnedToSender || s == ShipmentException
}
