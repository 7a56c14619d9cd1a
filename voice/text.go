package voice

import (
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// The customer's own text messages: what a customer who texts "where is my parcel?" reads
// back (package twoway). The facts are the ones a caller hears, from describe and
// describeParcel over the same order view, so a text and a call never disagree; only the
// wording differs. Instructions speak to an assistant ("Tell the user..."), a text speaks to
// the customer, short enough for a few SMS segments, and never carries anyone's free text:
// not the carrier's message, not a driver's reason, not what the customer wrote.

// writing is the text-message phrases in one language, beside phrases (the assistant's).
type writing interface {
	// order is the reply's first line: the order number and its status label.
	order(number, status string) string
	// parcel is one parcel's line; label names it ("DPD", "Parcel 2 (Boots, DPD)").
	parcel(label string, p parcel, status string) string
	// parcelLabel names parcel index (1-based) of a split order, or the return parcel.
	parcelLabel(index int, items, carrier string, back bool) string
	// notShipped is the line of an order with nothing shipped yet: its expected date, if any.
	notShipped(eta string, estimated bool) string
	// problem is the open exception as a fixed sentence per reason.
	problem(r order.ExceptionReason) string
	track(link string) string
	// more says the number has open orders more than the shown ones.
	more(shown, open int) string
	noOrder() string
}

// writeIn is the text phrases for a locale tag, in the language say picks.
func writeIn(locale string) writing {
	if _, lt := say(locale).(lithuanian); lt {
		return lithuanianText{}
	}
	return englishText{}
}

// maxLabel bounds a parcel's label (its items' names, as the shop gave them), so one
// order of many items does not fill the customer's screen.
const maxLabel = 40

// StatusText is the customer's answer, in their language (the order's locale) and time zone,
// to "where is my order?" by text: the order number and status, each parcel's status, where
// it is and when it arrives (or when it was delivered), an open problem in fixed words, and
// the tracking link when link is not empty. It reads nothing but v.
func StatusText(v order.View, now time.Time, link string) string {
	sp := speakingTo(v.Customer, now)
	ph, w := say(v.Customer.Locale), writeIn(v.Customer.Locale)
	d, _ := describe(v, v.OrderID, now, 0)
	lines := []string{w.order(v.OrderID, d.Status)}
	names := itemNames(v.Items)
	var sent, returns []order.ShipmentView
	for _, s := range v.Shipments {
		if s.Return {
			returns = append(returns, s)
		} else {
			sent = append(sent, s)
		}
	}
	switch {
	case v.Status == order.StatusCancelled, v.Status == order.StatusReturned:
		// The status says it all; parcels of a cancelled order are not news.
	case len(sent) == 0:
		if !v.Status.Final() {
			if line := w.notShipped(d.ETARelative, d.ETASource == order.ETAEstimate); line != "" {
				lines = append(lines, line)
			}
		}
	default:
		for i := range sent {
			p, sd := describeParcel(i, &sent[i], names, sp, ph)
			label := p.Carrier
			if len(sent) > 1 {
				label = w.parcelLabel(p.Index, shorten(p.Items, maxLabel), p.Carrier, false)
			}
			lines = append(lines, w.parcel(label, p, sd.Status))
		}
	}
	if v.Status != order.StatusCancelled {
		for i := range returns {
			p, sd := describeParcel(i, &returns[i], names, sp, ph)
			lines = append(lines, w.parcel(w.parcelLabel(0, "", p.Carrier, true), p, sd.Status))
		}
	}
	if x := v.Exception; x != nil && !v.Status.Final() {
		lines = append(lines, w.problem(x.Reason))
	}
	if link != "" {
		lines = append(lines, w.track(link))
	}
	return strings.Join(lines, "\n")
}

// MoreOrdersText is the line that says a number has open orders besides the shown ones, in
// the language of locale.
func MoreOrdersText(locale string, shown, open int) string { return writeIn(locale).more(shown, open) }

// NoOrderText is the one fixed line a number on no order is answered with, in the language
// of locale: it says nothing of any order.
func NoOrderText(locale string) string { return writeIn(locale).noOrder() }

// shorten is s cut to n runes, an ellipsis marking the cut.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n-1])) + "…"
	}
	return s
}
