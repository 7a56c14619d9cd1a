package voice

import (
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// english is the phrases in English: the assistant is told about "the user".
type english struct{}

var enOrderStatus = map[order.Status]string{
	order.StatusCreated:        "Order Received",
	order.StatusConfirmed:      "Confirmed",
	order.StatusPacked:         "Packed",
	order.StatusShipped:        "Shipped",
	order.StatusInTransit:      "In Transit",
	order.StatusOutForDelivery: "Out for Delivery",
	order.StatusDelivered:      "Delivered",
	order.StatusException:      "Issue Reported",
	order.StatusCancelled:      "Cancelled",
	order.StatusReturned:       "Returned",
}

var enShipmentStatus = map[order.ShipmentStatus]string{
	order.ShipmentInfoReceived:       "Label Created",
	order.ShipmentInTransit:          "In Transit",
	order.ShipmentOutForDelivery:     "Out for Delivery",
	order.ShipmentAvailableForPickup: "Ready for Pickup",
	order.ShipmentAttemptFailed:      "Delivery Attempted",
	order.ShipmentDelivered:          "Delivered",
	order.ShipmentException:          "Issue Reported",
	order.ShipmentReturnedToSender:   "Returning to Sender",
	order.ShipmentCancelled:          "Cancelled",
	order.ShipmentUnknown:            "Awaiting Update",
}

var enChannel = map[order.Channel]string{order.ChannelSMS: "SMS", order.ChannelWhatsApp: "WhatsApp", order.ChannelEmail: "email", order.ChannelPush: "app notification"}

func (english) orderStatus(s order.Status) string {
	if l, ok := enOrderStatus[s]; ok {
		return l
	}
	return "Order Received"
}

func (english) shipmentStatus(s order.ShipmentStatus) string {
	if l, ok := enShipmentStatus[s]; ok {
		return l
	}
	return "Awaiting Update"
}

func (english) join(items []string) string { return joinWith(items, "and") }

func (english) notFound(number string) string {
	return fmt.Sprintf("Tell the user you couldn't find order number %s. Ask them to repeat the order number slowly, digit by digit.", number)
}

func (english) trackingNotFound(tn string) string {
	return fmt.Sprintf("Tell the driver there is no parcel with tracking number %s. Ask them to read the tracking number again, character by character.", tn)
}

// verify never says whether the order has a phone number on file: the
// instructions depend only on what the caller already knows.
func (english) verify(v verdict) string {
	switch v {
	case verdictFailed:
		return "Don't share any details of this order: the caller could not be confirmed. Ask the user to check the order number and the phone number the order was placed with, then try again. If they can't, suggest they contact the shop by email."
	case verdictFailedNetwork:
		return "Don't share any details of this order: the number the user is calling from could not be confirmed for it, and a number they say can't replace it. Suggest they call again from the phone number the order was placed with, or contact the shop by email."
	case verdictLocked:
		return "Don't share any details of this order and don't try again on this call: the caller could not be confirmed. For their security, suggest they contact the shop by email or call again later from the phone number the order was placed with."
	}
	return "Don't share any details of this order yet. Ask the user for the phone number the order was placed with, then try again."
}

func (english) unavailable(time.Duration) string {
	return "Apologise: you can't check this right now. Offer to have a member of our team call them back, or suggest they try again in a few minutes."
}

func enCarrier(c string) string {
	if c == "" {
		return "the carrier"
	}
	return c
}

// enParcel is what a parcel is doing, as a clause about subj ("their
// package", "parcel 2 (Jacket, DPD)").
func enParcel(subj string, p parcel) string {
	var s string
	eta := " and will arrive "
	switch p.Status {
	case order.ShipmentInfoReceived:
		s = fmt.Sprintf("%s is packed and labelled, waiting for %s to pick it up", subj, enCarrier(p.Carrier))
		eta = "; it should arrive "
	case order.ShipmentInTransit:
		if p.City != "" {
			s = subj + " is in " + p.City
		} else {
			s = subj + " is on its way"
		}
	case order.ShipmentOutForDelivery:
		s = subj + " is out for delivery"
		if p.ETA == "" {
			s += " today"
		}
	case order.ShipmentAvailableForPickup:
		s = subj + " is ready to collect at a pickup point"
		if p.City != "" {
			s += " in " + p.City
		}
		return s
	case order.ShipmentAttemptFailed:
		s = fmt.Sprintf("%s tried to deliver %s but couldn't", enCarrier(p.Carrier), subj)
		eta = ", and will try again "
	case order.ShipmentDelivered:
		return subj + " was delivered" + prefixed(p.Delivered)
	case order.ShipmentException:
		s = subj + " is held up"
		eta = "; the latest estimate is "
	case order.ShipmentReturnedToSender:
		return subj + " is on its way back to the shop"
	case order.ShipmentCancelled:
		return subj + " was cancelled"
	default:
		s = fmt.Sprintf("%s has no tracking updates from %s yet", subj, enCarrier(p.Carrier))
		eta = "; it should arrive "
	}
	switch {
	case p.ETA != "" && p.Estimated:
		s += eta + p.ETA + ` (our estimate, as the carrier gave no date: say it is "estimated")`
	case p.ETA != "":
		s += eta + p.ETA
	case p.Overdue != "" && p.Estimated:
		s += fmt.Sprintf("; we estimated it would arrive %s, so it is running late", p.Overdue)
	case p.Overdue != "":
		s += fmt.Sprintf("; the carrier expected it %s, so it is running late", p.Overdue)
	}
	return s
}

var enPlace = map[order.DeliveryPlace]string{
	order.PlaceFrontDoor:   "left at the front door",
	order.PlaceBackDoor:    "left at the back door",
	order.PlaceMailbox:     "left in the mailbox",
	order.PlaceLocker:      "left in a parcel locker",
	order.PlacePickupPoint: "left at a pickup point",
	order.PlaceReception:   "left at reception",
	order.PlaceNeighbour:   "left with a neighbour",
	order.PlaceInPerson:    "handed over in person",
	order.PlaceSafePlace:   "left in a safe place",
}

func (english) place(p order.DeliveryPlace) string { return enPlace[p] }

// proof says where the parcel was left and who signed, never the carrier's own words, and
// points to the photo on the tracking page rather than describing it.
func (english) proof(index int, p proofData) string {
	subj := "It"
	if index > 0 {
		subj = fmt.Sprintf("Parcel %d", index)
	}
	var s string
	switch {
	case p.PlaceSaid != "" && p.SignedBy != "":
		s = sentence(fmt.Sprintf("%s was %s, signed for by %s", subj, p.PlaceSaid, p.SignedBy))
	case p.PlaceSaid != "":
		s = fmt.Sprintf("%s was %s.", subj, p.PlaceSaid)
	case p.SignedBy != "":
		s = sentence(fmt.Sprintf("%s was signed for by %s", subj, p.SignedBy))
	}
	if p.HasPhoto {
		s = strings.TrimSpace(s + " The carrier's delivery photo is linked on the tracking page.")
	}
	return s
}

func (english) returnParcel(p parcel) string {
	with := ""
	if p.Carrier != "" {
		with = " with " + p.Carrier
	}
	switch p.Status {
	case order.ShipmentDelivered:
		return fmt.Sprintf("Their return parcel%s has reached the shop%s.", with, prefixed(p.Delivered))
	case order.ShipmentInfoReceived, order.ShipmentUnknown:
		return fmt.Sprintf("Their return parcel%s is registered but not scanned by the carrier yet.", with)
	case order.ShipmentCancelled:
		return "Their return parcel was cancelled."
	}
	return fmt.Sprintf("Their return parcel%s is on its way back to the shop.", with)
}

func (english) single(p parcel) string {
	s := "Tell the user " + enParcel("their package", p) + "."
	if p.ETA == "" && p.Overdue == "" && !p.Status.Final() && p.Status != order.ShipmentAvailableForPickup {
		s += " The carrier hasn't given a delivery estimate yet."
	}
	return s
}

func (english) split(number string, ps []parcel) string {
	parts := []string{fmt.Sprintf("Order %s was sent in %d parcels; tell the user about each one in turn.", number, len(ps))}
	for _, p := range ps {
		label := strings.Join(nonEmpty(p.Items, p.Carrier), ", ")
		subj := fmt.Sprintf("parcel %d", p.Index)
		if label != "" {
			subj += " (" + label + ")"
		}
		parts = append(parts, sentence(capitalize(enParcel(subj, p))))
	}
	return strings.Join(parts, " ")
}

func (english) notShipped(number string, st order.Status, eta string, estimated bool) string {
	var s string
	switch st {
	case order.StatusCreated:
		s = "has been received and hasn't shipped yet"
	case order.StatusConfirmed:
		s = "is confirmed and being prepared for shipping"
	case order.StatusPacked:
		s = "is packed and will be handed to the carrier soon"
	case order.StatusShipped:
		s = "has shipped; the carrier hasn't scanned it yet"
	default:
		s = "hasn't shipped yet"
	}
	out := fmt.Sprintf("Tell the user their order %s %s.", number, s)
	switch {
	case eta != "" && estimated:
		out += " It should arrive " + eta + ` (our estimate, as nothing has shipped yet: say it is "estimated").`
	case eta != "":
		out += " It should arrive " + eta + "."
	}
	return out
}

func (english) receivedStatus() string { return "Received, Being Prepared" }

// received is an order known only from its accepted order.created: the workflow that will
// track it has not started, so there is nothing to say of shipping yet but the promise.
func (english) received(number, items, eta string) string {
	s := fmt.Sprintf("Tell the user their order %s", number)
	if items != "" {
		s += " (" + items + ")"
	}
	s += " has been received and is being prepared."
	if eta != "" {
		s += " It should arrive " + eta + "."
	}
	return s + " Tracking details will follow once it ships."
}

const enCallBack = "offer to have a member of our team call them back"

func (english) delivered(number, when, proof string) string {
	return fmt.Sprintf("Tell the user their order %s was delivered%s.%s If they can't find it, %s.", number, prefixed(when), prefixed(proof), enCallBack)
}

func (english) cancelled(number, when string) string {
	return fmt.Sprintf("Tell the user their order %s was cancelled%s. If they have questions about a refund, %s.", number, prefixed(when), enCallBack)
}

func (english) returned(number, when, amount, refunded string) string {
	s := fmt.Sprintf("Tell the user their order %s was returned to the shop%s.", number, prefixed(when))
	if amount != "" {
		return s + fmt.Sprintf(" A refund of %s was processed%s.", amount, prefixed(refunded))
	}
	return s + " If they have questions about a refund, " + enCallBack + "."
}

func (english) unshipped(items string) string {
	return fmt.Sprintf("The rest of the order (%s) hasn't shipped yet.", items)
}

func (english) exceptionReason(x order.Exception) string {
	switch x.Reason {
	case order.ReasonCarrierException:
		return "the carrier reported a problem with the delivery" + quoted(x.Message, ", saying \"", "\"")
	case order.ReasonReturnedToSender:
		return "the parcel is being sent back to the shop"
	case order.ReasonFailedAttempts:
		return "the carrier couldn't deliver the parcel after several attempts"
	case order.ReasonStale:
		return "the carrier hasn't updated the tracking for a while"
	case order.ReasonLate:
		return "the delivery is running later than we promised"
	case order.ReasonDriverDelay:
		return "the driver reported a delay" + quoted(x.Message, ", saying \"", "\"")
	}
	return "there is a problem with the delivery"
}

func (english) exceptionNext(x order.Exception, followUp time.Duration) string {
	within := enWithin(followUp)
	switch x.Reason {
	case order.ReasonDriverDelay:
		return "the arrival time already takes the delay into account; they will get a message if it changes again"
	case order.ReasonStale:
		return "we are checking with the carrier, and our team will contact them " + within + " if it doesn't move"
	case order.ReasonReturnedToSender:
		return "our team will contact them " + within + " about a replacement or a refund"
	}
	return "our team has been alerted and will contact them " + within
}

func (english) explain(index int, reason, next string) string {
	s := fmt.Sprintf("Explain that %s, and that %s.", reason, next)
	if index > 0 {
		s = fmt.Sprintf("About parcel %d: explain that %s, and that %s.", index, reason, next)
	}
	return s
}

func (english) offerSMS() string { return "Ask if they want SMS updates." }

func (english) subscribed(number string, ch order.Channel) string {
	return fmt.Sprintf("Confirm to the user that they will now get %s updates about order %s.", enChannel[ch], number)
}

func (english) subscribeAlready(ch order.Channel) string {
	return fmt.Sprintf("Tell the user they already get %s updates about this order; nothing needs to change.", enChannel[ch])
}

func (english) subscribeClosed(number string, st order.Status) string {
	if st == "" {
		return fmt.Sprintf("Tell the user order %s is already finished, so there will be no more updates to send.", number)
	}
	return fmt.Sprintf("Tell the user order %s is already %s, so there will be no more updates to send.", number, strings.ToLower(enOrderStatus[st]))
}

func (english) subscribeUnreachable(ch, alt order.Channel) string {
	contact := "phone number"
	switch ch {
	case order.ChannelEmail:
		contact = "email address"
	case order.ChannelPush:
		contact = "app account"
	}
	s := fmt.Sprintf("Tell the user the order has no %s to send %s updates to.", contact, enChannel[ch])
	if alt != "" {
		return s + fmt.Sprintf(" Offer %s updates instead.", enChannel[alt])
	}
	return s + " Instead, " + enCallBack + "."
}

func (english) humanRequested(followUp time.Duration, ticket bool) string {
	s := fmt.Sprintf("Tell the user a member of our team will call them back on the phone number on the order %s.", enWithin(followUp))
	if ticket {
		s = fmt.Sprintf("Tell the user their request is open as a support ticket, and a member of our team will call them back on the phone number on the order %s.", enWithin(followUp))
	}
	return s + " Ask if there is anything else you can help with."
}

func (english) humanRecorded() string {
	return "Tell the user their request for a call back is recorded on their order, but nobody is alerted straight away, so do not promise a call or a time. " +
		"If it is urgent, suggest they contact the shop by the email or phone number in their order confirmation. Ask if there is anything else you can help with."
}

func (english) humanFailed() string {
	return "Apologise: you could not pass their request on just now. Suggest they try again in a few minutes, " +
		"or contact the shop by the email or phone number in their order confirmation. Do not promise a call back."
}

func (english) delayRecorded(tn, number, eta string) string {
	what := "order " + number
	if tn != "" {
		what = fmt.Sprintf("parcel %s (order %s)", tn, number)
	}
	s := fmt.Sprintf("Confirm to the driver that the delay for %s is recorded", what)
	if eta != "" {
		s += ", with the new arrival time " + eta
	}
	return s + ". The customer will be told."
}

func (english) delayNoShipment(number string, st order.Status) string {
	return fmt.Sprintf("Tell the driver order %s has no parcel still on its way (the order is %s), so no delay was recorded.", number, strings.ToLower(enOrderStatus[st]))
}

func (english) delayAmbiguous(number string, n int) string {
	return fmt.Sprintf("Order %s has %d parcels on the way. Ask the driver for the tracking number on the parcel they are calling about.", number, n)
}

func (english) delayDelivered(tn, number string) string {
	what := "order " + number
	if tn != "" {
		what = "parcel " + tn
	}
	return fmt.Sprintf("Tell the driver %s is already recorded as delivered, so no delay was recorded.", what)
}

func (english) delayClosed(tn, number string, st order.Status) string {
	if st == "" {
		return fmt.Sprintf("Tell the driver parcel %s was cancelled, so it is not to be delivered and no delay was recorded.", tn)
	}
	state := "is finished"
	switch st {
	case order.StatusCancelled:
		state = "was cancelled"
	case order.StatusReturned:
		state = "was returned"
	}
	if tn != "" {
		return fmt.Sprintf("Tell the driver parcel %s belongs to order %s, which %s, so no delay was recorded.", tn, number, state)
	}
	return fmt.Sprintf("Tell the driver order %s %s, so no delay was recorded.", number, state)
}

func (english) delayReturning(tn string) string {
	return fmt.Sprintf("Tell the driver parcel %s is going back to the sender, so it is not to be delivered and no delay was recorded.", tn)
}

func (english) delayUnknownShipment(tn, number string) string {
	if tn == "" {
		return fmt.Sprintf("Tell the driver that parcel is not on order %s, so no delay was recorded. Ask them for the tracking number on the parcel.", number)
	}
	return fmt.Sprintf("Tell the driver order %s has no parcel with tracking number %s, so no delay was recorded. Ask them to read the tracking number again, character by character.", number, tn)
}

// enWithin says a follow-up time: "within 24 hours", "within 3 days".
func enWithin(d time.Duration) string {
	n, unit := spanOf(d)
	if n == 1 {
		return "within 1 " + unit
	}
	return fmt.Sprintf("within %d %ss", n, unit)
}
