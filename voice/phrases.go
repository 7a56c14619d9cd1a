package voice

import (
	"strings"
	"time"

	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

// phrases is what the assistant is told, in one language. The instructions
// speak to the assistant about "the user" (en) or "klientas" (lt) and say
// what to tell them; the assistant words the reply itself, so every fact it
// needs is in the sentence. Dates and times come from notify/template, so a
// caller hears them as the customer's messages write them.
//
// English and Lithuanian have their own wording, not translations of one
// template: Lithuanian instructions avoid gendered pronouns for the
// customer, put cities in the locative ("Kaune") and agree participles with
// "siunta" (feminine) and "užsakymas" (masculine).
type phrases interface {
	orderStatus(order.Status) string
	shipmentStatus(order.ShipmentStatus) string
	join(items []string) string

	notFound(number string) string
	trackingNotFound(trackingNumber string) string
	verify(v verdict) string
	unavailable(followUp time.Duration) string

	receivedStatus() string
	received(number, items, eta string) string
	single(p parcel) string
	split(number string, ps []parcel) string
	// notShipped: estimated says eta is shipflow's own estimate, to be said as one.
	notShipped(number string, st order.Status, eta string, estimated bool) string
	// delivered: proof is the sentences on the parcels' proof of delivery (proof), if any.
	delivered(number, when, proof string) string
	cancelled(number, when string) string
	returned(number, when, amount, refunded string) string
	unshipped(items string) string
	exceptionReason(x order.Exception) string
	exceptionNext(x order.Exception, followUp time.Duration) string
	explain(parcelIndex int, reason, next string) string
	offerSMS() string
	// place is where a parcel was left, as a participle agreeing with the parcel: "left at
	// the front door", "handed over in person"; "" for a place without fixed words.
	place(order.DeliveryPlace) string
	// proof is the sentence on a delivered parcel's proof of delivery; parcelIndex names the
	// parcel of a split order (0: the order's only one).
	proof(parcelIndex int, p proofData) string
	// returnParcel is the sentence on the customer's return parcel going back to the shop.
	returnParcel(p parcel) string

	subscribed(number string, ch order.Channel) string
	subscribeAlready(ch order.Channel) string
	// subscribeClosed: st is the closed order's status, or "" when it is only known to be
	// finished.
	subscribeClosed(number string, st order.Status) string
	subscribeUnreachable(ch, alt order.Channel) string
	// humanRequested: staff were told, in a chat or a support ticket (ticket) or both.
	humanRequested(followUp time.Duration, ticket bool) string
	// humanRecorded: the request is on the order only; nobody was told.
	humanRecorded() string
	// humanFailed: the request could not be recorded.
	humanFailed() string

	delayRecorded(trackingNumber, number, eta string) string
	delayNoShipment(number string, st order.Status) string
	delayAmbiguous(number string, n int) string
	delayDelivered(trackingNumber, number string) string
	// delayClosed: the order is cancelled or returned (st), or with st "" only the parcel
	// trackingNumber was cancelled.
	delayClosed(trackingNumber, number string, st order.Status) string
	delayUnknownShipment(trackingNumber, number string) string
	// delayReturning: the parcel trackingNumber is going back to its sender (order.ShipmentStatus.Final).
	delayReturning(trackingNumber string) string
}

// say is the phrases for a locale tag ("lt", "lt-LT", "lt_LT.UTF-8") in the language
// template.LanguageOf picks for it, as the customer's messages are.
func say(locale string) phrases {
	if template.LanguageOf(locale) == template.Lithuanian {
		return lithuanian{}
	}
	return english{}
}

// prefixed is " "+s, or "" for an empty s, for optional words.
func prefixed(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

// joinWith lists items: "A, B and C".
func joinWith(items []string, and string) string {
	var names []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			names = append(names, it)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}

// quoted is a free-text detail (a driver's reason, a carrier's message)
// between lead and close, or "" when there is none.
func quoted(s, lead, close string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return lead + s + close
}

// nonEmpty is ss without its empty strings.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// spanOf is d in whole hours, or in days beyond three days.
func spanOf(d time.Duration) (int, string) {
	h := int((d + time.Hour - 1) / time.Hour)
	if h < 1 {
		h = 1
	}
	if h > 72 && h%24 == 0 {
		return h / 24, "day"
	}
	return h, "hour"
}
