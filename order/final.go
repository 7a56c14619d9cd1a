package order

import "slices"

// Finality is asked by the workflow (what to poll, what can still go wrong), the voice
// assistant (what a driver's delay can be about, what is still coming), the tracking page and
// the read model. Each used to answer it itself, and they disagreed about a parcel returned to
// its sender: the read model and voice gave it no ETA and the workflow stopped polling it,
// while a driver could still report it late and have the customer told "delayed". The rules
// are here, once.

// Final reports whether an order in status s is over for the customer: delivered, cancelled
// or returned. Nothing more is on its way, so there is no promised date to tell, no channel
// to subscribe to and no unshipped item to mention. An order in exception is not final: the
// problem may yet be solved.
func (s Status) Final() bool { return slices.Contains(finalStatuses[:], s) }

// finalStatuses are the statuses Status.Final reports.
var finalStatuses = [...]Status{StatusDelivered, StatusCancelled, StatusReturned}

// FinalStatuses are the order statuses Status.Final reports, for a query that must tell open
// orders from finished ones in the read model.
func FinalStatuses() []Status { return slices.Clone(finalStatuses[:]) }

// Final reports whether a shipment in status s has finished its journey to the customer:
// delivered, cancelled, or returned to the sender. A parcel going back to the shop will not
// reach the customer whatever its carrier says next, so it has no ETA, is not polled or
// watched for staleness and lateness, and cannot be reported late by a driver (Order.CheckDelay).
// It still counts as in transit for the order's stage (ShipmentStatus.stage) and may follow
// delivered (afterDelivered): those rules are about the carrier's report, not the customer.
func (s ShipmentStatus) Final() bool {
	switch s {
	case ShipmentDelivered, ShipmentCancelled, ShipmentReturnedToSender:
		return true
	}
	return false
}
