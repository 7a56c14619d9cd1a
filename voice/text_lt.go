package voice

import (
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/order"
)

// lithuanianText is the text-message phrases in Lithuanian, spoken to the customer ("jūsų"),
// with cities in the locative and participles agreeing with "siunta".
type lithuanianText struct{}

func (lithuanianText) order(number, status string) string {
	return fmt.Sprintf("Užsakymas %s: %s.", number, status)
}

func (lithuanianText) parcelLabel(index int, items, carrier string, back bool) string {
	label := "Grąžinama siunta"
	if !back {
		label = fmt.Sprintf("Siunta %d", index)
	}
	if about := strings.Join(nonEmpty(items, carrier), ", "); about != "" {
		label += " (" + about + ")"
	}
	return label
}

func (lithuanianText) parcel(label string, p parcel, status string) string {
	if label == "" {
		label = "Jūsų siunta"
	}
	s := label + ": " + status
	switch {
	case p.Status == order.ShipmentDelivered:
		return s + prefixed(p.Delivered) + "."
	case p.Status.Final():
		return s + "."
	case p.Status == order.ShipmentAvailableForPickup && p.City != "":
		s += ", atsiėmimo punktas " + ltLocative(p.City, p.Country)
	case p.City != "":
		s += ", paskutinį kartą matyta " + ltLocative(p.City, p.Country)
	}
	switch {
	case p.ETA != "" && p.Estimated:
		s += ", apskaičiuotas pristatymas – " + p.ETA
	case p.ETA != "":
		s += ", numatomas pristatymas – " + p.ETA
	case p.Overdue != "":
		s += ", vėluoja (buvo numatyta " + p.Overdue + ")"
	}
	return sentence(s)
}

func (lithuanianText) notShipped(eta string, estimated bool) string {
	switch {
	case eta == "":
		return ""
	case estimated:
		return sentence("Mūsų apskaičiuotas pristatymas – " + eta)
	}
	return sentence("Numatomas pristatymas – " + eta)
}

func (lithuanianText) problem(r order.ExceptionReason) string {
	switch r {
	case order.ReasonReturnedToSender:
		return "Siunta grąžinama į parduotuvę; mūsų komanda susisieks su jumis dėl pakartotinio išsiuntimo arba pinigų grąžinimo."
	case order.ReasonFailedAttempts:
		return "Vežėjui kelis kartus nepavyko pristatyti siuntos; mūsų komanda susisieks su jumis."
	case order.ReasonStale:
		return "Vežėjas kurį laiką neatnaujino sekimo informacijos; tikriname tai su juo."
	case order.ReasonLate:
		return "Pristatymas vėluoja, palyginti su žadėtu laiku; mūsų komanda tuo rūpinasi."
	case order.ReasonDriverDelay:
		return "Vairuotojas pranešė apie vėlavimą; nurodytas pristatymo laikas jį jau įvertina."
	case order.ReasonCarrierException:
		return "Vežėjas pranešė apie problemą su siunta; mūsų komanda tuo rūpinasi."
	}
	return "Iškilo problema su pristatymu; mūsų komanda tuo rūpinasi."
}

func (lithuanianText) track(link string) string { return "Sekite siuntą: " + link }

func (lithuanianText) more(shown, open int) string {
	return fmt.Sprintf("Turite %d %s; čia – naujausi %d.", open, ltCount(open, [3]string{"vykdomą užsakymą", "vykdomus užsakymus", "vykdomų užsakymų"}), shown)
}

func (lithuanianText) noOrder() string {
	return "Pagal šį numerį užsakymo neradome. Jei užsakydami nurodėte kitą telefono numerį, parašykite mums iš jo arba naudokitės nuoroda užsakymo patvirtinime."
}
