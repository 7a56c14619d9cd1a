package template

import (
	"fmt"
	"time"
)

// The functions below say times outside a template, for callers that
// compose their own sentences (the voice assistant's instructions) but must
// word dates exactly as the customer's messages do. They take the
// customer's IANA zone and locale tag as an order carries them; an empty or
// unknown zone is UTC, a locale in a language without words of its own is
// English, and tags are matched however they are spelled (lt_LT, lt-lt).

// ETA says when a parcel arrives, relative to now: "today by 5:00 PM",
// "tomorrow by 5:00 PM", "on Friday, May 8", "on May 20" (lt: "rytoj iki
// 17:00", "gegužės 8 d., penktadienį"). It is the template function eta.
func ETA(t, now time.Time, tz, locale string) string {
	return phraseFormatter(now, tz, locale).eta(t)
}

// Day is ETA without the time of day: "tomorrow", "on Friday" (lt: "rytoj",
// "penktadienį"). It is the template function day.
func Day(t, now time.Time, tz, locale string) string {
	return phraseFormatter(now, tz, locale).day(t)
}

// Clock says the time of day of t: "5:00 PM" (lt: "17:00").
func Clock(t time.Time, tz, locale string) string {
	return phraseFormatter(t, tz, locale).clock(t)
}

// FullETA says when a parcel arrives as a full calendar date with the
// year, which reads the same whenever it is heard: "May 8th, 2026, by 5:00
// PM" (lt: "2026 m. gegužės 8 d. iki 17:00"). A date-only estimate (see
// Shipment.ETA) is said without a time: "May 8th, 2026".
func FullETA(t time.Time, tz, locale string) string {
	f := phraseFormatter(t, tz, locale)
	day, timed := f.calendarDay(t)
	m := f.w.months[day.Month()-1]
	var date string
	if f.w == &english {
		date = fmt.Sprintf("%s %s, %d", m, ordinal(day.Day()), day.Year())
		if timed {
			date += "," // "May 8th, 2026, by 5:00 PM"
		}
	} else {
		date = fmt.Sprintf(f.w.dayMonthYear, m, day.Day(), day.Year())
	}
	if !timed {
		return date
	}
	return fmt.Sprintf(f.w.by, date, f.clock(t))
}

// Happened says when something already happened, relative to now: "today
// at 2:14 PM", "yesterday at 2:14 PM", "on May 5" (lt: "šiandien 14:14",
// "vakar 14:14", "gegužės 5 d."). A time in the future is said as a date.
func Happened(t, now time.Time, tz, locale string) string {
	f := phraseFormatter(now, tz, locale)
	p := pastWordsFor(f.w)
	day, timed := f.calendarDay(t)
	var word string
	switch f.daysAhead(day) {
	case 0:
		word = f.w.today
	case -1:
		word = p.yesterday
	default:
		return fmt.Sprintf(f.w.on, f.date(t))
	}
	if !timed {
		return word
	}
	return fmt.Sprintf(p.at, word, f.clock(t))
}

// pastWords is what a language needs beyond words to say a past moment.
type pastWords struct {
	yesterday string
	at        string // fmt: day, clock ("yesterday at 2:14 PM")
}

var pastWordsByLanguage = map[*words]pastWords{
	&english:    {yesterday: "yesterday", at: "%s at %s"},
	&lithuanian: {yesterday: "vakar", at: "%s %s"},
}

func pastWordsFor(w *words) pastWords {
	if p, ok := pastWordsByLanguage[w]; ok {
		return p
	}
	return pastWordsByLanguage[&english]
}

// phraseFormatter is the formatter for one phrase. The locale tag is made
// canonical first, as wordsFor expects.
func phraseFormatter(now time.Time, tz, locale string) formatter {
	c, ok := canonicalLocale(locale)
	if !ok {
		c = fallbackLocale
	}
	return formatter{w: wordsFor(c), now: now, loc: location(tz)}
}

// ordinal is an English day of the month as said: 1st, 2nd, 3rd, 4th, 11th,
// 12th, 13th, 21st.
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
