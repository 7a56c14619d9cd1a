package trackpage

import (
	notifytmpl "github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

// words is everything the page says in one language. Each language gets
// its own table of whole phrases rather than translated fragments, because
// Lithuanian grammar (genitive months, accusative weekdays, a 24-hour
// clock, the vocative) does not fit English sentence frames.
type words struct {
	lang string // the <html lang> value

	brand       string // what the page is, above everything else
	order       string // fmt: order id
	greeting    string // fmt: first name in the form used to address someone
	hello       string // the greeting without a name
	onlyPackage string // heading of the card of a single-shipment order
	pkg         string // fmt: number, count: heading of a split order's card
	yourOrder   string // heading of the card before anything has shipped
	journey     string
	lastPlace   string
	carrier     string
	tracking    string
	items       string
	updated     string // fmt: when the order last changed
	noScript    string
	live        string // fmt: the new status, said by screen readers
	trackWith   string // fmt: the carrier's name: the link to its own tracking page

	// The footer's words, before the store's support contacts.
	questions, emailUs, callUs string

	form formWords

	arrives   string // fmt: eta phrase
	wasDue    string // fmt: a date that has passed
	delivered string // fmt: when

	// An ETA of shipflow's own (order.ETAEstimate) is said as an estimate, not a date the
	// carrier or the shop gave.
	estimated    string // fmt: eta phrase
	wasEstimated string // fmt: an estimated date that has passed

	// A return parcel (order.ShipmentView.Return) is the customer's parcel going back to the
	// shop: its own heading and words, never an arrival.
	yourReturn     string
	returnReceived string // fmt: when the shop got it
	returnStatus   map[order.ShipmentStatus]string

	// Proof of delivery: where the parcel was left in fixed words (never the carrier's), who
	// signed for it and the link to the carrier's photo.
	places   map[order.DeliveryPlace]string
	signedBy string // fmt: the signer's name
	photo    string

	orderStatus    map[order.Status]string
	shipmentStatus map[order.ShipmentStatus]string
	commerceStep   map[order.EventType]string

	// Calendar words for past times, as package notify/template words
	// dates, so the page and the messages that link to it read alike.
	clock            string     // time.Format layout of a time of day
	months           [12]string // as written in a date
	dayMonth         string     // fmt: month, day
	dayMonthYear     string     // fmt: month, day, year
	today, yesterday string
	at               string // fmt: day, clock: "today at 2:13 PM"
	on               string // fmt: a date: "on May 8"
	stamp            string // fmt: date, clock: a timeline entry's time

	vocative func(name string) string
}

// formWords are the lookup form's words, for its template (Title ... Submit) and its
// answers.
type formWords struct {
	Title, Intro, Order, Contact, ContactHint, Submit string

	notFound, invalid, tooMany, unavailable, crossSite string
}

// notice is what the customer is told about an open exception: what is going on and what
// happens next, in the fixed words of notifytmpl.ExceptionNotice, never the carrier's or
// staff's words.
type notice struct {
	Heading string
	Text    string
}

var english = words{
	lang:        "en",
	brand:       "Order tracking",
	order:       "Order %s",
	greeting:    "Hi %s,",
	hello:       "Hi,",
	onlyPackage: "Your package",
	pkg:         "Package %d of %d",
	yourOrder:   "Your order",
	journey:     "Journey",
	lastPlace:   "Last location",
	carrier:     "Carrier",
	tracking:    "Tracking number",
	items:       "In this package",
	updated:     "Last updated %s",
	noScript:    "Reload this page to see the latest status.",
	live:        "Status updated: %s",
	trackWith:   "Track with %s",
	questions:   "Questions about your order?",
	emailUs:     "Email",
	callUs:      "Call",
	form: formWords{
		Title:       "Track your order",
		Intro:       "Enter your order number and the email address or postal code you ordered with.",
		Order:       "Order number",
		Contact:     "Email or postal code",
		ContactHint: "As on your order confirmation",
		Submit:      "Find my order",
		notFound:    "We could not find an order with those details. Check the order number and the email address or postal code on the order, and try again.",
		invalid:     "Enter the order number from your confirmation and the email address or postal code on the order.",
		tooMany:     "Too many tries for this order just now. Please wait a few minutes and try again.",
		unavailable: "We can't look up orders right now. Please try again in a few minutes.",
		crossSite:   "Please use the form on this page to look up your order.",
	},
	arrives:        "Arrives %s",
	wasDue:         "Was due %s",
	delivered:      "Delivered %s",
	estimated:      "Estimated delivery %s",
	wasEstimated:   "Estimated delivery was %s",
	yourReturn:     "Your return",
	returnReceived: "Received by the shop %s",
	returnStatus: map[order.ShipmentStatus]string{
		order.ShipmentInfoReceived:   "Return label created",
		order.ShipmentInTransit:      "On its way back to the shop",
		order.ShipmentOutForDelivery: "On its way back to the shop",
		order.ShipmentDelivered:      "Returned",
	},
	places: map[order.DeliveryPlace]string{
		order.PlaceFrontDoor:   "Left at your front door",
		order.PlaceBackDoor:    "Left at your back door",
		order.PlaceMailbox:     "Left in your mailbox",
		order.PlaceLocker:      "Left in a parcel locker",
		order.PlacePickupPoint: "Left at a pickup point",
		order.PlaceReception:   "Left at reception",
		order.PlaceNeighbour:   "Left with a neighbour",
		order.PlaceInPerson:    "Handed over in person",
		order.PlaceSafePlace:   "Left in a safe place",
	},
	signedBy: "Signed for by %s",
	photo:    "See the delivery photo",
	orderStatus: map[order.Status]string{
		order.StatusCreated:        "Order received",
		order.StatusConfirmed:      "Order confirmed",
		order.StatusPacked:         "Packed and ready to ship",
		order.StatusShipped:        "Shipped",
		order.StatusInTransit:      "On its way",
		order.StatusOutForDelivery: "Out for delivery",
		order.StatusDelivered:      "Delivered",
		order.StatusException:      "Delivery issue",
		order.StatusCancelled:      "Cancelled",
		order.StatusReturned:       "Returned",
	},
	shipmentStatus: map[order.ShipmentStatus]string{
		order.ShipmentInfoReceived:       "Label created",
		order.ShipmentInTransit:          "In transit",
		order.ShipmentOutForDelivery:     "Out for delivery",
		order.ShipmentAvailableForPickup: "Ready for pickup",
		order.ShipmentAttemptFailed:      "Delivery attempted",
		order.ShipmentDelivered:          "Delivered",
		order.ShipmentException:          "Delivery issue",
		order.ShipmentReturnedToSender:   "Returning to sender",
		order.ShipmentCancelled:          "Cancelled",
		order.ShipmentUnknown:            "Waiting for the carrier",
	},
	commerceStep: map[order.EventType]string{
		order.EventCreated:   "Order placed",
		order.EventConfirmed: "Order confirmed",
		order.EventPacked:    "Packed",
		order.EventShipped:   "Shipped",
		order.EventDelivered: "Delivered",
	},
	clock: "3:04 PM",
	months: [12]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"},
	dayMonth:     "%[1]s %[2]d",
	dayMonthYear: "%[1]s %[2]d, %[3]d",
	today:        "today",
	yesterday:    "yesterday",
	at:           "%s at %s",
	on:           "on %s",
	stamp:        "%s, %s",
	vocative:     func(name string) string { return name },
}

var lithuanian = words{
	lang:        "lt",
	brand:       "Siuntos sekimas",
	order:       "Užsakymas %s",
	greeting:    "Sveiki, %s!",
	hello:       "Sveiki!",
	onlyPackage: "Jūsų siunta",
	pkg:         "Siunta %d iš %d",
	yourOrder:   "Jūsų užsakymas",
	journey:     "Siuntos kelias",
	lastPlace:   "Paskutinė vieta",
	carrier:     "Vežėjas",
	tracking:    "Siuntos numeris",
	items:       "Šioje siuntoje",
	updated:     "Atnaujinta %s",
	noScript:    "Atnaujinkite puslapį, kad pamatytumėte naujausią būseną.",
	live:        "Būsena atnaujinta: %s",
	trackWith:   "Sekti siuntą %s svetainėje",
	questions:   "Turite klausimų apie užsakymą?",
	emailUs:     "Rašykite",
	callUs:      "Skambinkite",
	form: formWords{
		Title:       "Sekite savo užsakymą",
		Intro:       "Įveskite užsakymo numerį ir el. pašto adresą arba pašto kodą, kurį nurodėte užsakydami.",
		Order:       "Užsakymo numeris",
		Contact:     "El. paštas arba pašto kodas",
		ContactHint: "Kaip nurodyta užsakymo patvirtinime",
		Submit:      "Rasti užsakymą",
		notFound:    "Užsakymo su šiais duomenimis neradome. Patikrinkite užsakymo numerį ir užsakyme nurodytą el. pašto adresą arba pašto kodą ir bandykite dar kartą.",
		invalid:     "Įveskite užsakymo numerį iš patvirtinimo ir užsakyme nurodytą el. pašto adresą arba pašto kodą.",
		tooMany:     "Šiam užsakymui per daug bandymų. Palaukite kelias minutes ir bandykite dar kartą.",
		unavailable: "Šiuo metu negalime rasti užsakymų. Bandykite dar kartą po kelių minučių.",
		crossSite:   "Užsakymą raskite naudodamiesi šio puslapio forma.",
	},
	arrives:        "Atkeliaus %s",
	wasDue:         "Turėjo atkeliauti %s",
	delivered:      "Pristatyta %s",
	estimated:      "Numatomas pristatymas – %s",
	wasEstimated:   "Numatytas pristatymas buvo %s",
	yourReturn:     "Jūsų grąžinama siunta",
	returnReceived: "Parduotuvė gavo %s",
	returnStatus: map[order.ShipmentStatus]string{
		order.ShipmentInfoReceived:   "Grąžinimo lipdukas sukurtas",
		order.ShipmentInTransit:      "Keliauja atgal į parduotuvę",
		order.ShipmentOutForDelivery: "Keliauja atgal į parduotuvę",
		order.ShipmentDelivered:      "Grąžinta",
	},
	places: map[order.DeliveryPlace]string{
		order.PlaceFrontDoor:   "Palikta prie jūsų durų",
		order.PlaceBackDoor:    "Palikta prie galinių durų",
		order.PlaceMailbox:     "Įdėta į jūsų pašto dėžutę",
		order.PlaceLocker:      "Įdėta į paštomatą",
		order.PlacePickupPoint: "Palikta atsiėmimo punkte",
		order.PlaceReception:   "Palikta registratūroje",
		order.PlaceNeighbour:   "Perduota kaimynui",
		order.PlaceInPerson:    "Įteikta asmeniškai",
		order.PlaceSafePlace:   "Palikta saugioje vietoje",
	},
	signedBy: "Pasirašė %s",
	photo:    "Žiūrėti pristatymo nuotrauką",
	orderStatus: map[order.Status]string{
		order.StatusCreated:        "Užsakymas gautas",
		order.StatusConfirmed:      "Užsakymas patvirtintas",
		order.StatusPacked:         "Supakuota ir paruošta išsiųsti",
		order.StatusShipped:        "Išsiųsta",
		order.StatusInTransit:      "Keliauja pas jus",
		order.StatusOutForDelivery: "Kurjeris jau pakeliui",
		order.StatusDelivered:      "Pristatyta",
		order.StatusException:      "Pristatymo problema",
		order.StatusCancelled:      "Atšaukta",
		order.StatusReturned:       "Grąžinta",
	},
	shipmentStatus: map[order.ShipmentStatus]string{
		order.ShipmentInfoReceived:       "Siuntos duomenys gauti",
		order.ShipmentInTransit:          "Keliauja",
		order.ShipmentOutForDelivery:     "Pristatoma",
		order.ShipmentAvailableForPickup: "Laukia atsiėmimo punkte",
		order.ShipmentAttemptFailed:      "Nepavyko pristatyti",
		order.ShipmentDelivered:          "Pristatyta",
		order.ShipmentException:          "Pristatymo problema",
		order.ShipmentReturnedToSender:   "Grąžinama siuntėjui",
		order.ShipmentCancelled:          "Atšaukta",
		order.ShipmentUnknown:            "Laukiama vežėjo informacijos",
	},
	commerceStep: map[order.EventType]string{
		order.EventCreated:   "Užsakymas pateiktas",
		order.EventConfirmed: "Užsakymas patvirtintas",
		order.EventPacked:    "Supakuota",
		order.EventShipped:   "Išsiųsta",
		order.EventDelivered: "Pristatyta",
	},
	clock: "15:04",
	months: [12]string{"sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio", "liepos",
		"rugpjūčio", "rugsėjo", "spalio", "lapkričio", "gruodžio"},
	dayMonth:     "%[1]s %[2]d d.",
	dayMonthYear: "%[3]d m. %[1]s %[2]d d.",
	today:        "šiandien",
	yesterday:    "vakar",
	at:           "%s %s",
	on:           "%s",
	stamp:        "%s %s",
	vocative:     notifytmpl.VocativeLithuanian, // greet as the customer's messages do
}

// wordsFor is the page's words in the language notifytmpl.LanguageOf picks for a
// customer's locale, the one their messages are written in.
func wordsFor(locale string) *words {
	if notifytmpl.LanguageOf(locale) == notifytmpl.Lithuanian {
		return &lithuanian
	}
	return &english
}
