package template

import "github.com/shipflow/shipflow/order"

// notice is what a customer is told about an open exception: what is going on and what
// happens next, in fixed words per reason. Never the carrier's or staff's words: anyone who
// can post to a carrier webhook or write a staff note could otherwise make shipflow say
// anything to a customer.
type notice struct {
	heading, text string
}

// notices are the exception notices of each language, one per reason; other is said for a
// reason without one of its own.
var notices = map[Language]struct {
	byReason map[order.ExceptionReason]notice
	other    notice
}{
	English: {
		byReason: map[order.ExceptionReason]notice{
			order.ReasonCarrierException: {
				"There's a problem with your parcel",
				"The carrier has reported a problem with this delivery. Our team is already on it and will contact you with the next steps. You don't need to do anything right now.",
			},
			order.ReasonReturnedToSender: {
				"Your parcel is coming back to us",
				"The carrier is returning this parcel to us. Once it arrives, we'll contact you about sending it again or refunding you.",
			},
			order.ReasonFailedAttempts: {
				"We couldn't deliver your parcel",
				"The courier tried to deliver it but couldn't. We're arranging another delivery with the carrier and will let you know when it's on its way again.",
			},
			order.ReasonStale: {
				"Tracking updates have paused",
				"The carrier hasn't updated this parcel for a while. We've asked them to check on it, and this page will update as soon as they do.",
			},
			order.ReasonLate: {
				"Your parcel is running late",
				"It hasn't arrived by the promised date. We're checking with the carrier and will update this page as soon as we know more.",
			},
			order.ReasonDriverDelay: {
				"Your delivery is delayed",
				"The courier has reported a delay. The new arrival time will show here as soon as we have it.",
			},
		},
		other: notice{
			"There's a problem with your delivery",
			"Our team is already looking into it and will contact you with the next steps.",
		},
	},
	Lithuanian: {
		byReason: map[order.ExceptionReason]notice{
			order.ReasonCarrierException: {
				"Iškilo problema su jūsų siunta",
				"Vežėjas pranešė apie problemą su šiuo pristatymu. Mūsų komanda jau ja rūpinasi ir susisieks su jumis dėl tolesnių veiksmų. Kol kas jums nieko daryti nereikia.",
			},
			order.ReasonReturnedToSender: {
				"Jūsų siunta grąžinama mums",
				"Vežėjas grąžina šią siuntą mums. Kai ją gausime, susisieksime su jumis dėl pakartotinio išsiuntimo arba pinigų grąžinimo.",
			},
			order.ReasonFailedAttempts: {
				"Nepavyko pristatyti jūsų siuntos",
				"Kurjeris bandė pristatyti siuntą, bet nepavyko. Su vežėju deriname kitą pristatymą ir pranešime, kai siunta vėl bus pakeliui.",
			},
			order.ReasonStale: {
				"Siuntos informacija neatnaujinama",
				"Vežėjas jau kurį laiką neatnaujino šios siuntos informacijos. Paprašėme jį patikrinti siuntą, o šis puslapis atsinaujins, kai tik bus naujienų.",
			},
			order.ReasonLate: {
				"Jūsų siunta vėluoja",
				"Siunta neatkeliavo iki pažadėtos dienos. Tikriname tai su vežėju ir atnaujinsime šį puslapį, kai tik sužinosime daugiau.",
			},
			order.ReasonDriverDelay: {
				"Jūsų pristatymas vėluoja",
				"Kurjeris pranešė apie vėlavimą. Naujas pristatymo laikas čia atsiras, kai tik jį sužinosime.",
			},
		},
		other: notice{
			"Iškilo pristatymo problema",
			"Mūsų komanda tuo jau rūpinasi ir susisieks su jumis dėl tolesnių veiksmų.",
		},
	},
}

// ExceptionNotice is what a customer whose locale is locale is told about an open exception
// of reason r: a heading and a short paragraph, in the language LanguageOf picks (lt-LT and
// lt read Lithuanian, anything we do not speak English). A reason without words of its own
// gets a general notice. The tracking page shows it and a support ticket's public comment
// says it, so the customer reads the same words wherever they look; the text speaks of "this
// page" because it was written for the page, which the comment links to.
func ExceptionNotice(locale string, r order.ExceptionReason) (heading, text string) {
	ns := notices[LanguageOf(locale)]
	n, ok := ns.byReason[r]
	if !ok {
		n = ns.other
	}
	return n.heading, n.text
}
