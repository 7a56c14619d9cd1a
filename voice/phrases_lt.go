package voice

import (
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// lithuanian is the phrases in Lithuanian: the assistant is told about "klientas", with
// cities in the locative and participles agreeing with "siunta" and "užsakymas".
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
	order.ChannelPush: "programėlės pranešimais",
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
	case p.ETA != "" && p.Estimated:
		s += eta + p.ETA + " (tai mūsų apskaičiuota data, nes vežėjas datos nenurodė: sakykite, kad tai numatoma data)"
	case p.ETA != "":
		s += eta + p.ETA
	case p.Overdue != "" && p.Estimated:
		s += fmt.Sprintf("; apskaičiavome, kad ji bus pristatyta %s, tad siunta vėluoja", p.Overdue)
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

func (lithuanian) notShipped(number string, st order.Status, eta string, estimated bool) string {
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
	switch {
	case eta != "" && estimated:
		out += " " + sentence("Numatomas pristatymas – "+eta+" (tai mūsų apskaičiuota data, nes siunta dar neišsiųsta: sakykite, kad tai numatoma data)")
	case eta != "":
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

func (lithuanian) delivered(number, when, proof string) string {
	return sentence(fmt.Sprintf("Pasakykite klientui, kad užsakymas %s pristatytas%s", number, prefixed(when))) + prefixed(proof) +
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
	switch ch {
	case order.ChannelEmail:
		contact = "el. pašto adresas"
	case order.ChannelPush:
		contact = "programėlės paskyra"
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

func (lithuanian) delayReturning(tn string) string {
	return fmt.Sprintf("Pasakykite vairuotojui, kad siunta %s grąžinama siuntėjui ir nebus pristatoma, todėl vėlavimas neužregistruotas.", tn)
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

// ltPlace agrees with "siunta" (feminine).
var ltPlace = map[order.DeliveryPlace]string{
	order.PlaceFrontDoor:   "palikta prie durų",
	order.PlaceBackDoor:    "palikta prie galinių durų",
	order.PlaceMailbox:     "įdėta į pašto dėžutę",
	order.PlaceLocker:      "įdėta į paštomatą",
	order.PlacePickupPoint: "palikta atsiėmimo punkte",
	order.PlaceReception:   "palikta registratūroje",
	order.PlaceNeighbour:   "perduota kaimynui",
	order.PlaceInPerson:    "įteikta asmeniškai",
	order.PlaceSafePlace:   "palikta saugioje vietoje",
}

func (lithuanian) place(p order.DeliveryPlace) string { return ltPlace[p] }

func (lithuanian) proof(index int, p proofData) string {
	subj := "Siunta"
	if index > 0 {
		subj = capitalize(ltOrdinal(index)) + " siunta"
	}
	var s string
	switch {
	case p.PlaceSaid != "" && p.SignedBy != "":
		s = sentence(fmt.Sprintf("%s %s, už ją pasirašė %s", subj, p.PlaceSaid, p.SignedBy))
	case p.PlaceSaid != "":
		s = fmt.Sprintf("%s %s.", subj, p.PlaceSaid)
	case p.SignedBy != "":
		acc := "siuntą"
		if index > 0 {
			acc = strings.TrimSuffix(ltOrdinal(index), "oji") + "ąją siuntą" // "antrąją siuntą"
		}
		s = sentence(fmt.Sprintf("Už %s pasirašė %s", acc, p.SignedBy))
	}
	if p.HasPhoto {
		s = strings.TrimSpace(s + " Vežėjo pristatymo nuotrauka pateikta siuntos sekimo puslapyje.")
	}
	return s
}

func (lithuanian) returnParcel(p parcel) string {
	with := ""
	if p.Carrier != "" {
		with = " (" + p.Carrier + ")"
	}
	switch p.Status {
	case order.ShipmentDelivered:
		return sentence(fmt.Sprintf("Kliento grąžinama siunta%s jau pasiekė parduotuvę%s", with, prefixed(p.Delivered)))
	case order.ShipmentInfoReceived, order.ShipmentUnknown:
		return fmt.Sprintf("Kliento grąžinama siunta%s užregistruota, bet vežėjas jos dar nenuskenavo.", with)
	case order.ShipmentCancelled:
		return "Kliento grąžinama siunta atšaukta."
	}
	return fmt.Sprintf("Kliento grąžinama siunta%s keliauja atgal į parduotuvę.", with)
}
