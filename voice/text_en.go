package voice

import (
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/order"
)

// englishText is the text-message phrases in English, spoken to the customer ("your").
type englishText struct{}

func (englishText) order(number, status string) string {
	return fmt.Sprintf("Order %s: %s.", number, status)
}

func (englishText) parcelLabel(index int, items, carrier string, back bool) string {
	label := "Return parcel"
	if !back {
		label = fmt.Sprintf("Parcel %d", index)
	}
	if about := strings.Join(nonEmpty(items, carrier), ", "); about != "" {
		label += " (" + about + ")"
	}
	return label
}

func (englishText) parcel(label string, p parcel, status string) string {
	if label == "" {
		label = "Your parcel"
	}
	s := label + ": " + status
	switch {
	case p.Status == order.ShipmentDelivered:
		return s + prefixed(p.Delivered) + "."
	case p.Status.Final():
		return s + "."
	case p.Status == order.ShipmentAvailableForPickup && p.City != "":
		s += ", at a pickup point in " + p.City
	case p.City != "":
		s += ", last seen in " + p.City
	}
	switch {
	case p.ETA != "" && p.Estimated:
		s += ", estimated to arrive " + p.ETA
	case p.ETA != "":
		s += ", arriving " + p.ETA
	case p.Overdue != "":
		s += ", expected " + p.Overdue + " and running late"
	}
	return s + "."
}

func (englishText) notShipped(eta string, estimated bool) string {
	switch {
	case eta == "":
		return ""
	case estimated:
		return "We estimate it will arrive " + eta + "."
	}
	return "It should arrive " + eta + "."
}

func (englishText) problem(r order.ExceptionReason) string {
	switch r {
	case order.ReasonReturnedToSender:
		return "The parcel is being sent back to the shop; our team will contact you about a replacement or a refund."
	case order.ReasonFailedAttempts:
		return "The carrier couldn't deliver it after several attempts; our team will contact you."
	case order.ReasonStale:
		return "The carrier hasn't updated the tracking for a while; we are checking with them."
	case order.ReasonLate:
		return "The delivery is running later than we promised; our team is on it."
	case order.ReasonDriverDelay:
		return "The driver reported a delay; the arrival time above takes it into account."
	case order.ReasonCarrierException:
		return "The carrier reported a problem with the delivery; our team is on it."
	}
	return "There is a problem with the delivery; our team is on it."
}

func (englishText) track(link string) string { return "Track it: " + link }

func (englishText) more(shown, open int) string {
	return fmt.Sprintf("You have %d open orders; here are the latest %d.", open, shown)
}

func (englishText) noOrder() string {
	return "We couldn't find an order for this number. If you ordered with another phone number, please text us from that one, or use the link in your order confirmation."
}
