package template

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/order"
)

// words is how one language says days, times and lists. Grammar differs
// enough between languages (Lithuanian puts the month in the genitive and
// the weekday in the accusative, needs no "on", and tells time on a 24-hour
// clock) that each gets its own table rather than a translation of the
// English phrases.
type words struct {
	clock    string     // time.Format layout for a time of day
	months   [12]string // as written in a date
	weekdays [7]string  // as said for "on Friday", Sunday first
	// dayMonth and dayMonthYear are fmt formats taking month, day (and year).
	dayMonth, dayMonthYear string
	today, tomorrow        string
	by                     string // fmt: day, clock ("tomorrow by 5:00 PM")
	on                     string // fmt: a weekday or a date ("on Friday")
	weekdayDate            string // fmt: weekday, date ("Friday, May 8")
	and                    string
	parcel                 string // a parcel with no item names: fmt: carrier
	summary                func(cs []clause) string
	vocative               func(name string) string
	// delayReasons say why a driver is late, one fixed sentence per reason:
	// neutral facts that ask nothing of the customer, since a stranger on
	// the voice line must not be able to make a message say "pay".
	delayReasons map[order.DelayReason]string
	// unsubscribe leads the plain-text email's unsubscribe link.
	unsubscribe string
	money       moneyWords
	// questions, emailUs and callUs lead the store's support contacts in the plain-text
	// email's footer.
	questions, emailUs, callUs string
	// estimated marks a split-order summary's day that is shipflow's estimate, not a date the
	// carrier or the shop gave: " (estimated)".
	estimated string
	// leftAt is the delivered message's sentence on where the parcel was left, one fixed
	// sentence per place (order.DeliveryPlace), never the carrier's own words; a place without
	// one ("other") says nothing.
	leftAt map[order.DeliveryPlace]string
}

// languages are the languages with words of their own. A locale in any
// other language is written with English words, so an operator can add
// templates for a new locale before anyone teaches the package its grammar.
var languages = map[Language]*words{English: &english, Lithuanian: &lithuanian}

func wordsFor(locale string) *words { return languages[LanguageOf(locale)] }

var english = words{
	clock: "3:04 PM",
	months: [12]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"},
	weekdays:     [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	dayMonth:     "%[1]s %[2]d",
	dayMonthYear: "%[1]s %[2]d, %[3]d",
	today:        "today",
	tomorrow:     "tomorrow",
	by:           "%s by %s",
	on:           "on %s",
	weekdayDate:  "%[1]s, %[2]s",
	and:          "and",
	parcel:       "%s parcel",
	summary:      summaryEnglish,
	vocative:     func(name string) string { return name },
	unsubscribe:  "No more emails about your orders? Unsubscribe:",
	money:        moneyWords{tag: language.English, decimal: ".", group: ",", symbolFirst: true},
	questions:    "Questions?",
	emailUs:      "Email",
	callUs:       "call",
	estimated:    " (estimated)",
	leftAt: map[order.DeliveryPlace]string{
		order.PlaceFrontDoor:   "It was left at your front door.",
		order.PlaceBackDoor:    "It was left at your back door.",
		order.PlaceMailbox:     "It was left in your mailbox.",
		order.PlaceLocker:      "It was left in a parcel locker.",
		order.PlacePickupPoint: "It was left at a pickup point.",
		order.PlaceReception:   "It was left at reception.",
		order.PlaceNeighbour:   "It was left with a neighbour.",
		order.PlaceInPerson:    "It was handed over in person.",
		order.PlaceSafePlace:   "It was left in a safe place.",
	},
	delayReasons: map[order.DelayReason]string{
		order.DelayTraffic: "The driver is held up in heavy traffic.",
		order.DelayWeather: "Bad weather is slowing deliveries down.",
		order.DelayVehicle: "The delivery vehicle has a technical problem.",
		order.DelayCustoms: "The parcel is being checked by customs.",
		order.DelayAddress: "The driver had trouble finding the delivery address.",
		order.DelayOther:   "The driver has reported a delay.",
	},
}

var lithuanian = words{
	clock: "15:04",
	months: [12]string{"sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio", "liepos",
		"rugpjūčio", "rugsėjo", "spalio", "lapkričio", "gruodžio"},
	weekdays: [7]string{"sekmadienį", "pirmadienį", "antradienį", "trečiadienį", "ketvirtadienį",
		"penktadienį", "šeštadienį"},
	dayMonth:     "%[1]s %[2]d d.",
	dayMonthYear: "%[3]d m. %[1]s %[2]d d.",
	today:        "šiandien",
	tomorrow:     "rytoj",
	by:           "%s iki %s",
	on:           "%s",
	weekdayDate:  "%[2]s, %[1]s",
	and:          "ir",
	parcel:       "%s siunta",
	summary:      summaryLithuanian,
	vocative:     VocativeLithuanian,
	unsubscribe:  "Nebenorite gauti laiškų apie užsakymus? Atsisakykite:",
	money:        moneyWords{tag: language.Lithuanian, decimal: ",", group: "\u00a0"},
	questions:    "Turite klausimų?",
	emailUs:      "Rašykite",
	callUs:       "skambinkite",
	estimated:    " (numatoma)",
	leftAt: map[order.DeliveryPlace]string{
		order.PlaceFrontDoor:   "Siunta palikta prie jūsų durų.",
		order.PlaceBackDoor:    "Siunta palikta prie galinių durų.",
		order.PlaceMailbox:     "Siunta įdėta į jūsų pašto dėžutę.",
		order.PlaceLocker:      "Siunta įdėta į paštomatą.",
		order.PlacePickupPoint: "Siunta palikta atsiėmimo punkte.",
		order.PlaceReception:   "Siunta palikta registratūroje.",
		order.PlaceNeighbour:   "Siunta perduota kaimynui.",
		order.PlaceInPerson:    "Siunta įteikta asmeniškai.",
		order.PlaceSafePlace:   "Siunta palikta saugioje vietoje.",
	},
	delayReasons: map[order.DelayReason]string{
		order.DelayTraffic: "Kurjeris įstrigo spūstyje.",
		order.DelayWeather: "Pristatymą lėtina blogos oro sąlygos.",
		order.DelayVehicle: "Kilo techninė pristatymo automobilio problema.",
		order.DelayCustoms: "Siuntą tikrina muitinė.",
		order.DelayAddress: "Kurjeriui nepavyko rasti pristatymo adreso.",
		order.DelayOther:   "Kurjeris pranešė apie vėlavimą.",
	},
}

// formatter says times for one message: in its language, in the
// customer's zone, relative to the moment the message is written.
type formatter struct {
	w   *words
	now time.Time
	loc *time.Location
}

// calendarDay is the day t falls on for the customer, as a UTC midnight so
// that days can be counted without daylight-saving surprises, and whether
// t says a time of day. Midnight UTC is a carrier's date-only estimate and
// keeps its own date; local midnight says nothing about the hour either.
func (f formatter) calendarDay(t time.Time) (day time.Time, timed bool) {
	if u := t.UTC(); isMidnight(u) {
		return midnight(u), false
	}
	l := t.In(f.loc)
	return midnight(l), !isMidnight(l)
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// daysAhead counts calendar days from the customer's today to day.
func (f formatter) daysAhead(day time.Time) int {
	return int(day.Sub(midnight(f.now.In(f.loc))).Hours() / 24)
}

// eta says when a parcel arrives, as precisely as is useful: "today by
// 5:00 PM", "tomorrow by 5:00 PM", "on Friday, May 8" within the week,
// "on May 20" beyond it.
func (f formatter) eta(t time.Time) string {
	day, timed := f.calendarDay(t)
	switch n := f.daysAhead(day); {
	case n == 0 || n == 1:
		word := f.w.today
		if n == 1 {
			word = f.w.tomorrow
		}
		if timed {
			return fmt.Sprintf(f.w.by, word, f.clock(t))
		}
		return word
	case n > 1 && n < 7:
		return fmt.Sprintf(f.w.on, fmt.Sprintf(f.w.weekdayDate, f.w.weekdays[day.Weekday()], f.date(day)))
	default:
		return fmt.Sprintf(f.w.on, f.date(day))
	}
}

// day is eta without the time of day, short enough to say for each parcel
// of a split order: "today", "tomorrow", "on Friday", "on May 20".
func (f formatter) day(t time.Time) string {
	day, _ := f.calendarDay(t)
	switch n := f.daysAhead(day); {
	case n == 0:
		return f.w.today
	case n == 1:
		return f.w.tomorrow
	case n > 1 && n < 7:
		return fmt.Sprintf(f.w.on, f.w.weekdays[day.Weekday()])
	default:
		return fmt.Sprintf(f.w.on, f.date(day))
	}
}

// date says the calendar day of t, with the year only when it is not this
// year: "May 8", "gegužės 8 d.", "2027 m. sausio 3 d.".
func (f formatter) date(t time.Time) string {
	day, _ := f.calendarDay(t)
	m := f.w.months[day.Month()-1]
	if day.Year() != f.now.In(f.loc).Year() {
		return fmt.Sprintf(f.w.dayMonthYear, m, day.Day(), day.Year())
	}
	return fmt.Sprintf(f.w.dayMonth, m, day.Day())
}

// clock says the time of day of t in the customer's zone.
func (f formatter) clock(t time.Time) string {
	return t.In(f.loc).Format(f.w.clock)
}

// join lists item names the way the language does: "Shoes, Socks and
// Jacket", "batai ir striukė". Empty names are left out.
func (f formatter) join(items []string) string {
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
	return strings.Join(names[:len(names)-1], ", ") + " " + f.w.and + " " + names[len(names)-1]
}

// clause is one parcel's part of a split-order summary.
type clause struct {
	label  string // what the parcel carries, or "DPD parcel"
	plural bool   // whether English says "arrive" or "arrives"
	state  parcelState
	when   string // for arriving: "tomorrow", "on Friday"
}

type parcelState int

const (
	arriving parcelState = iota
	moving               // on its way, no estimate
	pickup               // waiting at a pickup point
	delivered
)

// summary is one sentence on where every parcel of the order is: "Your
// Shoes arrive tomorrow, the Jacket on Friday."
func (f formatter) summary(ss []Shipment) string {
	cs := make([]clause, 0, len(ss))
	for _, s := range ss {
		c := clause{label: f.join(s.Items), state: moving}
		c.plural = len(s.Items) > 1 || looksPlural(c.label)
		if c.label == "" {
			c.label = strings.TrimSpace(fmt.Sprintf(f.w.parcel, strings.TrimSpace(s.Carrier)))
		}
		switch {
		case s.Status == order.ShipmentDelivered:
			c.state = delivered
		case s.Status == order.ShipmentAvailableForPickup:
			c.state = pickup
		case s.ETA != nil:
			c.state, c.when = arriving, f.day(*s.ETA)
			if s.Estimated {
				c.when += f.w.estimated
			}
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return ""
	}
	return sentence(f.w.summary(cs))
}

// looksPlural guesses whether an English item name is plural ("Shoes",
// "Jeans" but not "Dress"), which is all verb agreement needs.
func looksPlural(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "s") && !strings.HasSuffix(n, "ss")
}

// elliptic reports whether clause i may drop its verb because the one
// before it said the same: "the Jacket on Friday".
func elliptic(cs []clause, i int) bool {
	return i > 0 && cs[i].state == arriving && cs[i-1].state == arriving
}

func summaryEnglish(cs []clause) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		subject := "the " + c.label
		if i == 0 {
			subject = "Your " + c.label
		}
		var predicate string
		switch c.state {
		case arriving:
			predicate = agree(c.plural, "arrive", "arrives") + " " + c.when
			if elliptic(cs, i) {
				predicate = c.when
			}
		case delivered:
			predicate = agree(c.plural, "have", "has") + " arrived"
		case pickup:
			predicate = agree(c.plural, "are", "is") + " ready for pickup"
		default:
			predicate = agree(c.plural, "are", "is") + " on the way"
		}
		parts[i] = subject + " " + predicate
	}
	if len(parts) == 2 && elliptic(cs, 1) {
		return parts[0] + ", " + parts[1] // "Your Shoes arrive tomorrow, the Jacket on Friday"
	}
	return listClauses(parts, ", ", " and ")
}

func agree(plural bool, many, one string) string {
	if plural {
		return many
	}
	return one
}

func summaryLithuanian(cs []clause) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		subject := c.label
		if i == 0 {
			subject = "Jūsų " + c.label
		}
		switch c.state {
		case arriving:
			if elliptic(cs, i) {
				parts[i] = subject + " – " + c.when
			} else {
				parts[i] = subject + " atkeliaus " + c.when
			}
		case delivered:
			parts[i] = subject + " jau atkeliavo"
		case pickup:
			parts[i] = subject + " laukia atsiėmimo punkte"
		default:
			parts[i] = subject + " jau keliauja"
		}
	}
	return listClauses(parts, ", ", ", o ")
}

// listClauses joins clauses with sep, and the last with last.
func listClauses(parts []string, sep, last string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], sep) + last + parts[len(parts)-1]
}

// sentence ends s with a full stop, unless it already ends with one (as
// "gegužės 8 d." does).
func sentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// VocativeLithuanian puts a Lithuanian first name in the case used to
// address someone: "Jonas" → "Jonai", "Andrius" → "Andriau", "Kęstutis" →
// "Kęstuti", "Kazys" → "Kazy", "Eglė" → "Egle"; "Ona" stays "Ona". A
// "Sveiki, Jonas!" reads as a form letter's mistake to any Lithuanian.
// Names with other endings (foreign ones) are left as they are.
func VocativeLithuanian(name string) string {
	if utf8.RuneCountInString(name) < 3 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return name
	}
	for _, e := range [...]struct{ from, to string }{
		{"jas", "jau"}, {"us", "au"}, {"as", "ai"}, {"is", "i"}, {"ys", "y"}, {"ė", "e"},
	} {
		stem, tail := name[:len(name)-len(e.from)], name[len(name)-len(e.from):]
		if !strings.EqualFold(tail, e.from) {
			continue
		}
		if strings.ToUpper(name) == name {
			return stem + strings.ToUpper(e.to)
		}
		return stem + e.to
	}
	return name
}

// support is the plain-text footer line of the store's contacts ("Questions? Email
// help@shop.example or call +370 600 12345."), or "" when the store gave none.
func (w *words) support(b brand.Brand) string {
	var parts []string
	if b.SupportEmail != "" {
		parts = append(parts, w.emailUs+" "+b.SupportEmail)
	}
	if b.SupportPhone != "" {
		call := w.callUs
		if len(parts) == 0 {
			call = strings.ToUpper(call[:1]) + call[1:]
		}
		parts = append(parts, call+" "+b.SupportPhone)
	}
	if len(parts) == 0 {
		return ""
	}
	return w.questions + " " + strings.Join(parts, ", ") + "."
}
