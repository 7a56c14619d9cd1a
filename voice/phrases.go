package voice

import (
	"fmt"
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
	notShipped(number string, st order.Status, eta string) string
	delivered(number, when string) string
	cancelled(number, when string) string
	returned(number, when, amount, refunded string) string
	unshipped(items string) string
	exceptionReason(x order.Exception) string
	exceptionNext(x order.Exception, followUp time.Duration) string
	explain(parcelIndex int, reason, next string) string
	offerSMS() string

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

// ---------------------------------------------------------------- English

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

var enChannel = map[order.Channel]string{order.ChannelSMS: "SMS", order.ChannelWhatsApp: "WhatsApp", order.ChannelEmail: "email"}

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
	case p.ETA != "":
		s += eta + p.ETA
	case p.Overdue != "":
		s += fmt.Sprintf("; the carrier expected it %s, so it is running late", p.Overdue)
	}
	return s
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

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (english) notShipped(number string, st order.Status, eta string) string {
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
	if eta != "" {
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

func (english) delivered(number, when string) string {
	return fmt.Sprintf("Tell the user their order %s was delivered%s. If they can't find it, %s.", number, prefixed(when), enCallBack)
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
	if ch == order.ChannelEmail {
		contact = "email address"
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

// ------------------------------------------------------------- Lithuanian

type lithuanian struct{}

var ltOrderStatus = map[order.Status]string{
	order.StatusCreated:        "Užsakymas gautas",
	order.StatusConfirmed:      "Patvirtintas",
	order.StatusPacked:         "Supakuotas",
	order.StatusShipped:        "Išsiųstas",
	order.StatusInTransit:      "Kelyje",
	order.StatusOutForDelivery: "Pristatomas",
	order.StatusDelivered:      "Pristatytas",
	order.StatusException:      "Iškilo problema",
	order.StatusCancelled:      "Atšauktas",
	order.StatusReturned:       "Grąžintas",
}

var ltShipmentStatus = map[order.ShipmentStatus]string{
	order.ShipmentInfoReceived:       "Paruošta siųsti",
	order.ShipmentInTransit:          "Kelyje",
	order.ShipmentOutForDelivery:     "Pristatoma",
	order.ShipmentAvailableForPickup: "Laukia atsiėmimo",
	order.ShipmentAttemptFailed:      "Nepavyko įteikti",
	order.ShipmentDelivered:          "Pristatyta",
	order.ShipmentException:          "Iškilo problema",
	order.ShipmentReturnedToSender:   "Grąžinama siuntėjui",
	order.ShipmentCancelled:          "Atšaukta",
	order.ShipmentUnknown:            "Laukiama informacijos",
}

// ltChannel is a channel in the instrumental case, as in "pranešimai bus
// siunčiami SMS žinutėmis".
var ltChannel = map[order.Channel]string{
	order.ChannelSMS: "SMS žinutėmis", order.ChannelWhatsApp: "per WhatsApp", order.ChannelEmail: "el. paštu",
}

// ltClosedStatus is a closed order's state after "užsakymas jau ...".
var ltClosedStatus = map[order.Status]string{
	order.StatusDelivered: "pristatytas", order.StatusCancelled: "atšauktas", order.StatusReturned: "grąžintas",
}

func (lithuanian) orderStatus(s order.Status) string {
	if l, ok := ltOrderStatus[s]; ok {
		return l
	}
	return "Užsakymas gautas"
}

func (lithuanian) shipmentStatus(s order.ShipmentStatus) string {
	if l, ok := ltShipmentStatus[s]; ok {
		return l
	}
	return "Laukiama informacijos"
}

func (lithuanian) join(items []string) string { return joinWith(items, "ir") }

func (lithuanian) notFound(number string) string {
	return fmt.Sprintf("Pasakykite klientui, kad užsakymo numeriu %s rasti nepavyko. Paprašykite lėtai pakartoti užsakymo numerį – po vieną skaitmenį.", number)
}

func (lithuanian) trackingNotFound(tn string) string {
	return fmt.Sprintf("Pasakykite vairuotojui, kad siuntos su sekimo numeriu %s rasti nepavyko. Paprašykite dar kartą padiktuoti sekimo numerį – po vieną simbolį.", tn)
}

func (lithuanian) verify(v verdict) string {
	switch v {
	case verdictFailed:
		return "Neatskleiskite jokios informacijos apie šį užsakymą: skambinančiojo tapatybės patvirtinti nepavyko. Paprašykite kliento patikrinti užsakymo numerį ir telefono numerį, kuriuo pateiktas užsakymas, ir bandykite dar kartą. Jei nepavyksta, pasiūlykite susisiekti su parduotuve el. paštu."
	case verdictFailedNetwork:
		return "Neatskleiskite jokios informacijos apie šį užsakymą: numerio, iš kurio klientas skambina, šiam užsakymui patvirtinti nepavyko, o padiktuotas numeris jo nepakeičia. Pasiūlykite paskambinti iš telefono numerio, kuriuo pateiktas užsakymas, arba susisiekti su parduotuve el. paštu."
	case verdictLocked:
		return "Neatskleiskite jokios informacijos apie šį užsakymą ir šio skambučio metu daugiau nebandykite: skambinančiojo tapatybės patvirtinti nepavyko. Saugumo sumetimais pasiūlykite susisiekti su parduotuve el. paštu arba paskambinti vėliau iš telefono numerio, kuriuo pateiktas užsakymas."
	}
	return "Kol kas neatskleiskite jokios informacijos apie šį užsakymą. Paprašykite kliento pasakyti telefono numerį, kuriuo pateiktas užsakymas, ir bandykite dar kartą."
}

func (lithuanian) unavailable(time.Duration) string {
	return "Atsiprašykite – šiuo metu informacijos patikrinti nepavyksta. Pasiūlykite, kad mūsų komandos narys perskambintų, arba paprašykite pabandyti po kelių minučių."
}

func ltCarrier(c string) string {
	if c == "" {
		return "vežėjas"
	}
	return c
}

// ltParcel is what a parcel is doing, as a clause about subj ("siunta",
// "Antroji siunta (striukė, DPD)"), with participles agreeing with the
// feminine "siunta".
func ltParcel(subj string, p parcel) string {
	var s string
	eta := " ir bus pristatyta "
	switch p.Status {
	case order.ShipmentInfoReceived:
		s = fmt.Sprintf("%s supakuota ir laukia, kol ją paims %s", subj, ltCarrier(p.Carrier))
		eta = ", numatomas pristatymas – "
	case order.ShipmentInTransit:
		if p.City != "" {
			s = subj + " šiuo metu yra " + ltLocative(p.City, p.Country)
		} else {
			s = subj + " jau keliauja"
		}
	case order.ShipmentOutForDelivery:
		s = subj + " jau pakeliui pas klientą"
		if p.ETA == "" {
			s += " ir bus pristatyta šiandien"
		}
	case order.ShipmentAvailableForPickup:
		s = subj + " laukia atsiėmimo punkte"
		if p.City != "" {
			s += " " + ltLocative(p.City, p.Country)
		}
		return s
	case order.ShipmentAttemptFailed:
		s = subj + " nebuvo įteikta – kurjeriui nepavyko jos pristatyti"
		eta = "; kitas bandymas – "
	case order.ShipmentDelivered:
		return subj + " pristatyta" + prefixed(p.Delivered)
	case order.ShipmentException:
		s = subj + " sulaikyta"
		eta = "; naujausias numatomas pristatymo laikas – "
	case order.ShipmentReturnedToSender:
		return subj + " grąžinama į parduotuvę"
	case order.ShipmentCancelled:
		return subj + " atšaukta"
	default:
		s = subj + " dar neužregistruota vežėjo sistemoje"
		eta = ", numatomas pristatymas – "
	}
	switch {
	case p.ETA != "":
		s += eta + p.ETA
	case p.Overdue != "":
		s += fmt.Sprintf("; vežėjas ją tikėjosi pristatyti %s, tad siunta vėluoja", p.Overdue)
	}
	return s
}

func (lithuanian) single(p parcel) string {
	s := sentence("Pasakykite klientui, kad " + ltParcel("siunta", p))
	if p.ETA == "" && p.Overdue == "" && !p.Status.Final() && p.Status != order.ShipmentAvailableForPickup {
		s += " Vežėjas dar nenurodė numatomo pristatymo laiko."
	}
	return s
}

var ltOrdinals = [...]string{"pirmoji", "antroji", "trečioji", "ketvirtoji", "penktoji", "šeštoji", "septintoji", "aštuntoji", "devintoji", "dešimtoji"}

// ltOrdinal is "pirmoji", "antroji" (feminine, for "siunta"), or "11-oji".
func ltOrdinal(n int) string {
	if n >= 1 && n <= len(ltOrdinals) {
		return ltOrdinals[n-1]
	}
	return fmt.Sprintf("%d-oji", n)
}

// ltOrdinalGenitive is the genitive: "antrosios siuntos".
func ltOrdinalGenitive(n int) string {
	o := ltOrdinal(n)
	return strings.TrimSuffix(o, "oji") + "osios"
}

func (lithuanian) split(number string, ps []parcel) string {
	parts := []string{fmt.Sprintf("Užsakymas %s išsiųstas keliomis siuntomis (iš viso – %d); papasakokite klientui apie kiekvieną siuntą atskirai.", number, len(ps))}
	for _, p := range ps {
		subj := ltOrdinal(p.Index) + " siunta"
		if label := strings.Join(nonEmpty(p.Items, p.Carrier), ", "); label != "" {
			subj += " (" + label + ")"
		}
		parts = append(parts, sentence(capitalize(ltParcel(subj, p))))
	}
	return strings.Join(parts, " ")
}

func (lithuanian) notShipped(number string, st order.Status, eta string) string {
	var s string
	switch st {
	case order.StatusCreated:
		s = "gautas, bet dar neišsiųstas"
	case order.StatusConfirmed:
		s = "patvirtintas ir ruošiamas išsiųsti"
	case order.StatusPacked:
		s = "supakuotas ir netrukus bus perduotas vežėjui"
	case order.StatusShipped:
		s = "išsiųstas, tačiau vežėjas siuntos dar neužregistravo"
	default:
		s = "dar neišsiųstas"
	}
	out := fmt.Sprintf("Pasakykite klientui, kad užsakymas %s %s.", number, s)
	if eta != "" {
		out += " " + sentence("Numatomas pristatymas – "+eta)
	}
	return out
}

func (lithuanian) receivedStatus() string { return "Gautas, ruošiamas" }

func (lithuanian) received(number, items, eta string) string {
	s := fmt.Sprintf("Pasakykite klientui, kad užsakymas %s", number)
	if items != "" {
		s += " (" + items + ")"
	}
	s += " gautas ir šiuo metu ruošiamas."
	if eta != "" {
		s += " " + sentence("Numatomas pristatymas – "+eta)
	}
	return s + " Siuntos sekimo informacija bus pateikta, kai užsakymas bus išsiųstas."
}

const ltCallBack = "pasiūlykite, kad mūsų komandos narys perskambintų"

func (lithuanian) delivered(number, when string) string {
	return sentence(fmt.Sprintf("Pasakykite klientui, kad užsakymas %s pristatytas%s", number, prefixed(when))) +
		" Jei klientas siuntos neranda, " + ltCallBack + "."
}

func (lithuanian) cancelled(number, when string) string {
	return sentence(fmt.Sprintf("Pasakykite klientui, kad užsakymas %s atšauktas%s", number, prefixed(when))) +
		" Jei kyla klausimų dėl pinigų grąžinimo, " + ltCallBack + "."
}

func (lithuanian) returned(number, when, amount, refunded string) string {
	s := sentence(fmt.Sprintf("Pasakykite klientui, kad užsakymas %s grąžintas į parduotuvę%s", number, prefixed(when)))
	if amount != "" {
		return s + " " + sentence(fmt.Sprintf("Pinigai (%s) grąžinti%s", amount, prefixed(refunded)))
	}
	return s + " Jei kyla klausimų dėl pinigų grąžinimo, " + ltCallBack + "."
}

func (lithuanian) unshipped(items string) string {
	return fmt.Sprintf("Likusios užsakymo prekės (%s) dar neišsiųstos.", items)
}

func (lithuanian) exceptionReason(x order.Exception) string {
	switch x.Reason {
	case order.ReasonCarrierException:
		return "vežėjas pranešė apie problemą su siunta" + quoted(x.Message, " ir nurodė: „", "“")
	case order.ReasonReturnedToSender:
		return "siunta grąžinama į parduotuvę"
	case order.ReasonFailedAttempts:
		return "kurjeriui kelis kartus nepavyko įteikti siuntos"
	case order.ReasonStale:
		return "vežėjas jau kurį laiką neatnaujino siuntos sekimo informacijos"
	case order.ReasonLate:
		return "siunta vėluoja – pažadėtas pristatymo laikas jau praėjo"
	case order.ReasonDriverDelay:
		return "vairuotojas pranešė apie vėlavimą" + quoted(x.Message, " ir nurodė: „", "“")
	}
	return "iškilo problema su pristatymu"
}

func (lithuanian) exceptionNext(x order.Exception, followUp time.Duration) string {
	within := ltWithin(followUp)
	switch x.Reason {
	case order.ReasonDriverDelay:
		return "nurodytas pristatymo laikas jau įvertina vėlavimą; jam pasikeitus klientas gaus pranešimą"
	case order.ReasonStale:
		return "tikriname informaciją su vežėju, ir jei siunta nepajudės, mūsų komanda susisieks su klientu " + within
	case order.ReasonReturnedToSender:
		return "mūsų komanda " + within + " susisieks su klientu dėl pakartotinio išsiuntimo arba pinigų grąžinimo"
	}
	return "mūsų komanda jau informuota ir susisieks su klientu " + within
}

func (lithuanian) explain(index int, reason, next string) string {
	if index > 0 {
		return fmt.Sprintf("Dėl %s siuntos paaiškinkite, kad %s, ir kad %s.", ltOrdinalGenitive(index), reason, next)
	}
	return fmt.Sprintf("Paaiškinkite, kad %s, ir kad %s.", reason, next)
}

func (lithuanian) offerSMS() string {
	return "Paklauskite, ar klientas norėtų gauti SMS pranešimus apie siuntos būseną."
}

func (lithuanian) subscribed(number string, ch order.Channel) string {
	return fmt.Sprintf("Patvirtinkite klientui, kad nuo šiol pranešimai apie užsakymą %s bus siunčiami %s.", number, ltChannel[ch])
}

func (lithuanian) subscribeAlready(ch order.Channel) string {
	return fmt.Sprintf("Pasakykite klientui, kad pranešimai apie šį užsakymą jau siunčiami %s – nieko keisti nereikia.", ltChannel[ch])
}

func (lithuanian) subscribeClosed(number string, st order.Status) string {
	if st == "" {
		return fmt.Sprintf("Pasakykite klientui, kad užsakymas %s jau užbaigtas, todėl daugiau pranešimų nebus.", number)
	}
	return fmt.Sprintf("Pasakykite klientui, kad užsakymas %s jau %s, todėl daugiau pranešimų nebus.", number, ltClosedStatus[st])
}

func (lithuanian) subscribeUnreachable(ch, alt order.Channel) string {
	contact := "telefono numeris"
	if ch == order.ChannelEmail {
		contact = "el. pašto adresas"
	}
	s := fmt.Sprintf("Pasakykite klientui, kad užsakyme nenurodytas %s, todėl pranešimų %s siųsti negalime.", contact, ltChannel[ch])
	if alt != "" {
		return s + fmt.Sprintf(" Pasiūlykite gauti pranešimus %s.", ltChannel[alt])
	}
	return s + " Vietoj to " + ltCallBack + "."
}

func (lithuanian) humanRequested(followUp time.Duration, ticket bool) string {
	s := fmt.Sprintf("Pasakykite klientui, kad mūsų komandos narys perskambins užsakyme nurodytu telefono numeriu %s.", ltWithin(followUp))
	if ticket {
		s = fmt.Sprintf("Pasakykite klientui, kad jo prašymas užregistruotas kaip pagalbos užklausa ir mūsų komandos narys perskambins užsakyme nurodytu telefono numeriu %s.", ltWithin(followUp))
	}
	return s + " Paklauskite, ar galite dar kuo nors padėti."
}

func (lithuanian) humanRecorded() string {
	return "Pasakykite klientui, kad jo prašymas perskambinti užregistruotas užsakyme, tačiau darbuotojai apie jį iš karto nepranešami, todėl nežadėkite nei skambučio, nei laiko. " +
		"Jei reikalas skubus, pasiūlykite susisiekti su parduotuve el. paštu arba telefonu, nurodytais užsakymo patvirtinime. Paklauskite, ar galite dar kuo nors padėti."
}

func (lithuanian) humanFailed() string {
	return "Atsiprašykite – šiuo metu prašymo perduoti nepavyko. Pasiūlykite pabandyti po kelių minučių " +
		"arba susisiekti su parduotuve el. paštu arba telefonu, nurodytais užsakymo patvirtinime. Nežadėkite perskambinti."
}

func (lithuanian) delayRecorded(tn, number, eta string) string {
	what := "užsakymo " + number
	if tn != "" {
		what = fmt.Sprintf("siuntos %s (užsakymas %s)", tn, number)
	}
	s := fmt.Sprintf("Patvirtinkite vairuotojui, kad %s vėlavimas užregistruotas", what)
	if eta != "" {
		s += ", naujas numatomas pristatymo laikas – " + eta
	}
	return sentence(s) + " Klientas bus informuotas."
}

func (lithuanian) delayNoShipment(number string, st order.Status) string {
	return fmt.Sprintf("Pasakykite vairuotojui, kad užsakymas %s neturi keliaujančių siuntų (užsakymo būsena – %s), todėl vėlavimas neužregistruotas.",
		number, strings.ToLower(ltOrderStatus[st]))
}

func (lithuanian) delayAmbiguous(number string, n int) string {
	return fmt.Sprintf("Užsakymas %s turi kelias keliaujančias siuntas (iš viso – %d). Paprašykite vairuotojo pasakyti siuntos, dėl kurios jis skambina, sekimo numerį.", number, n)
}

func (lithuanian) delayDelivered(tn, number string) string {
	if tn != "" {
		return fmt.Sprintf("Pasakykite vairuotojui, kad siunta %s jau pažymėta kaip pristatyta, todėl vėlavimas neužregistruotas.", tn)
	}
	return fmt.Sprintf("Pasakykite vairuotojui, kad užsakymas %s jau pažymėtas kaip pristatytas, todėl vėlavimas neužregistruotas.", number)
}

func (lithuanian) delayClosed(tn, number string, st order.Status) string {
	if st == "" {
		return fmt.Sprintf("Pasakykite vairuotojui, kad siunta %s atšaukta ir nebus pristatoma, todėl vėlavimas neužregistruotas.", tn)
	}
	state := "jau užbaigtas"
	switch st {
	case order.StatusCancelled:
		state = "atšauktas"
	case order.StatusReturned:
		state = "grąžintas"
	}
	if tn != "" {
		return fmt.Sprintf("Pasakykite vairuotojui, kad siuntos %s užsakymas %s %s, todėl vėlavimas neužregistruotas.", tn, number, state)
	}
	return fmt.Sprintf("Pasakykite vairuotojui, kad užsakymas %s %s, todėl vėlavimas neužregistruotas.", number, state)
}

func (lithuanian) delayUnknownShipment(tn, number string) string {
	if tn == "" {
		return fmt.Sprintf("Pasakykite vairuotojui, kad užsakyme %s tokios siuntos nėra, todėl vėlavimas neužregistruotas. Paprašykite pasakyti siuntos sekimo numerį.", number)
	}
	return fmt.Sprintf("Pasakykite vairuotojui, kad užsakyme %s siuntos su sekimo numeriu %s nėra, todėl vėlavimas neužregistruotas. Paprašykite dar kartą padiktuoti sekimo numerį – po vieną simbolį.", number, tn)
}

// ltWithin says a follow-up time in the accusative after "per": "per 24
// valandas", "per 1 valandą", "per 12 valandų", "per 3 dienas".
func ltWithin(d time.Duration) string {
	n, unit := spanOf(d)
	forms := [3]string{"valandą", "valandas", "valandų"}
	if unit == "day" {
		forms = [3]string{"dieną", "dienas", "dienų"}
	}
	return fmt.Sprintf("per %d %s", n, ltCount(n, forms))
}

// ltCount picks the form of a noun after the number n: 1, 21, 31 take the
// first; 2–9, 22–29 the second; 10–20 and tens the third.
func ltCount(n int, forms [3]string) string {
	switch {
	case n%10 == 0 || (n%100 >= 11 && n%100 <= 19):
		return forms[2]
	case n%10 == 1:
		return forms[0]
	}
	return forms[1]
}

// ltForeignLocatives are cities a Lithuanian speaker names in their own way.
var ltForeignLocatives = map[string]string{
	"riga": "Rygoje", "rīga": "Rygoje", "tallinn": "Taline", "warsaw": "Varšuvoje", "warszawa": "Varšuvoje",
	"berlin": "Berlyne", "london": "Londone", "paris": "Paryžiuje", "minsk": "Minske", "helsinki": "Helsinkyje",
}

// ltLocativeEndings put a Lithuanian place name in the locative case
// ("kur?"): Kaunas → Kaune, Vilnius → Vilniuje, Klaipėda → Klaipėdoje,
// Šiauliai → Šiauliuose, Panevėžys → Panevėžyje, Marijampolė →
// Marijampolėje. Longer endings first.
var ltLocativeEndings = []struct{ from, to string }{
	{"iai", "iuose"}, {"ai", "uose"}, {"ius", "iuje"}, {"us", "uje"}, {"ys", "yje"}, {"is", "yje"},
	{"as", "e"}, {"a", "oje"}, {"ė", "ėje"},
}

// ltLocative says "in city" for a Lithuanian sentence. A one-word
// Lithuanian place name (the location's country is Lithuania or not given)
// is declined; any other name is kept as written after "vietovėje" ("in the
// place"), which is correct whatever the name.
func ltLocative(city, country string) string {
	if l, ok := ltForeignLocatives[strings.ToLower(city)]; ok {
		return l
	}
	c := strings.ToUpper(strings.TrimSpace(country))
	lithuanian := c == "" || c == "LT" || c == "LTU" || c == "LITHUANIA" || c == "LIETUVA"
	if lithuanian && !strings.ContainsAny(city, " -.,0123456789") {
		lower := strings.ToLower(city)
		for _, e := range ltLocativeEndings {
			if strings.HasSuffix(lower, e.from) && len(lower) > len(e.from)+1 {
				return city[:len(city)-len(e.from)] + e.to
			}
		}
	}
	return "vietovėje " + city
}
