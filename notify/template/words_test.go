package template

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func newFormatter(locale, tz, now string) formatter {
	return formatter{w: wordsFor(locale), now: at(now), loc: location(tz)}
}

func TestETA(t *testing.T) {
	const (
		vilnius = "Europe/Vilnius"
		newYork = "America/New_York"
	)
	tests := []struct {
		name, tz, now, eta string
		en, lt             string
	}{
		{"today", vilnius, "2026-05-07T10:30:00Z", "2026-05-07T14:00:00Z",
			"today by 5:00 PM", "šiandien iki 17:00"},
		{"tomorrow", vilnius, "2026-05-07T10:30:00Z", "2026-05-08T14:00:00Z",
			"tomorrow by 5:00 PM", "rytoj iki 17:00"},
		{"weekday within the week", vilnius, "2026-05-06T10:30:00Z", "2026-05-08T14:00:00Z",
			"on Friday, May 8", "gegužės 8 d., penktadienį"},
		{"six days ahead", vilnius, "2026-05-07T10:30:00Z", "2026-05-13T09:00:00Z",
			"on Wednesday, May 13", "gegužės 13 d., trečiadienį"},
		{"a week or more ahead", vilnius, "2026-05-07T10:30:00Z", "2026-05-20T09:00:00Z",
			"on May 20", "gegužės 20 d."},
		{"next year", vilnius, "2026-12-20T10:30:00Z", "2027-01-04T09:00:00Z",
			"on January 4, 2027", "2027 m. sausio 4 d."},
		{"in the past", vilnius, "2026-05-07T10:30:00Z", "2026-05-05T09:00:00Z",
			"on May 5", "gegužės 5 d."},
		// 01:30 UTC is 04:30 in Vilnius, the same Vilnius day as 23:30 UTC the day before.
		{"today in Vilnius, tomorrow in UTC", vilnius, "2026-05-06T23:30:00Z", "2026-05-07T01:30:00Z",
			"today by 4:30 AM", "šiandien iki 04:30"},
		{"same instants in UTC", "UTC", "2026-05-06T23:30:00Z", "2026-05-07T01:30:00Z",
			"tomorrow by 1:30 AM", "rytoj iki 01:30"},
		// 02:00 UTC is still the evening before in New York.
		{"tomorrow in New York, today in UTC", newYork, "2026-05-07T02:00:00Z", "2026-05-07T15:00:00Z",
			"tomorrow by 11:00 AM", "rytoj iki 11:00"},
		{"evening late across midnight", vilnius, "2026-05-07T20:59:00Z", "2026-05-07T21:30:00Z",
			"tomorrow by 12:30 AM", "rytoj iki 00:30"},
		{"empty zone is UTC", "", "2026-05-07T22:00:00Z", "2026-05-08T01:00:00Z",
			"tomorrow by 1:00 AM", "rytoj iki 01:00"},
		{"unknown zone is UTC", "Mars/Olympus_Mons", "2026-05-07T22:00:00Z", "2026-05-08T01:00:00Z",
			"tomorrow by 1:00 AM", "rytoj iki 01:00"},
		// A date-only estimate keeps the carrier's date, wherever the customer is.
		{"date only", newYork, "2026-05-07T15:00:00Z", "2026-05-08T00:00:00Z",
			"tomorrow", "rytoj"},
		{"date only today", vilnius, "2026-05-07T10:00:00Z", "2026-05-07T00:00:00Z",
			"today", "šiandien"},
		{"local midnight", vilnius, "2026-05-07T10:00:00Z", "2026-05-07T21:00:00Z",
			"tomorrow", "rytoj"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for locale, want := range map[string]string{"en": tt.en, "lt": tt.lt} {
				if got := newFormatter(locale, tt.tz, tt.now).eta(at(tt.eta)); got != want {
					t.Errorf("%s: eta = %q, want %q", locale, got, want)
				}
			}
		})
	}
}

func TestDayDateTime(t *testing.T) {
	en := newFormatter("en", "Europe/Vilnius", "2026-05-07T10:30:00Z")
	lt := newFormatter("lt", "Europe/Vilnius", "2026-05-07T10:30:00Z")
	tests := []struct {
		name     string
		f        func(time.Time) string
		in, want string
	}{
		{"en day today", en.day, "2026-05-07T14:00:00Z", "today"},
		{"en day tomorrow", en.day, "2026-05-08T14:00:00Z", "tomorrow"},
		{"en day weekday", en.day, "2026-05-09T14:00:00Z", "on Saturday"},
		{"en day date", en.day, "2026-05-20T14:00:00Z", "on May 20"},
		{"lt day today", lt.day, "2026-05-07T14:00:00Z", "šiandien"},
		{"lt day weekday", lt.day, "2026-05-10T14:00:00Z", "sekmadienį"},
		{"lt day date", lt.day, "2026-05-20T14:00:00Z", "gegužės 20 d."},
		{"en date", en.date, "2026-05-08T14:00:00Z", "May 8"},
		{"lt date", lt.date, "2026-05-08T14:00:00Z", "gegužės 8 d."},
		{"lt date other year", lt.date, "2027-02-08T14:00:00Z", "2027 m. vasario 8 d."},
		{"en time", en.clock, "2026-05-08T06:05:00Z", "9:05 AM"},
		{"lt time", lt.clock, "2026-05-08T06:05:00Z", "09:05"},
	}
	for _, tt := range tests {
		if got := tt.f(at(tt.in)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	for i, m := range lithuanian.months {
		got := lt.date(time.Date(2026, time.Month(i+1), 15, 12, 0, 0, 0, time.UTC))
		if want := m + " 15 d."; got != want {
			t.Errorf("lt date of month %d = %q, want %q", i+1, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	// Now is Wednesday May 6: the 7th is tomorrow, the 8th Friday, the 20th a date.
	const now = "2026-05-06T10:30:00Z"
	tomorrow, fri, later := at("2026-05-07T14:00:00Z"), at("2026-05-08T14:00:00Z"), at("2026-05-20T09:00:00Z")
	ship := func(items []string, carrier string, eta *time.Time, st order.ShipmentStatus) Shipment {
		return Shipment{Items: items, Carrier: carrier, ETA: eta, Status: st}
	}
	tests := []struct {
		name   string
		ss     []Shipment
		en, lt string
	}{
		{"none", nil, "", ""},
		{"one", []Shipment{ship([]string{"Shoes"}, "DPD", &tomorrow, order.ShipmentInTransit)},
			"Your Shoes arrive tomorrow.",
			"Jūsų Shoes atkeliaus rytoj."},
		{"one singular", []Shipment{ship([]string{"Jacket"}, "DPD", &fri, order.ShipmentInTransit)},
			"Your Jacket arrives on Friday.",
			"Jūsų Jacket atkeliaus penktadienį."},
		{"two", []Shipment{
			ship([]string{"Shoes"}, "DPD", &tomorrow, order.ShipmentInTransit),
			ship([]string{"Jacket"}, "Omniva", &fri, order.ShipmentInfoReceived)},
			"Your Shoes arrive tomorrow, the Jacket on Friday.",
			"Jūsų Shoes atkeliaus rytoj, o Jacket – penktadienį."},
		{"three", []Shipment{
			ship([]string{"Shoes", "Socks"}, "DPD", &tomorrow, order.ShipmentInTransit),
			ship([]string{"Jacket"}, "Omniva", &fri, order.ShipmentInTransit),
			ship([]string{"Hat"}, "DPD", &later, order.ShipmentInfoReceived)},
			"Your Shoes and Socks arrive tomorrow, the Jacket on Friday and the Hat on May 20.",
			"Jūsų Shoes ir Socks atkeliaus rytoj, Jacket – penktadienį, o Hat – gegužės 20 d."},
		{"delivered then arriving", []Shipment{
			ship([]string{"Shoes"}, "DPD", &tomorrow, order.ShipmentDelivered),
			ship([]string{"Jacket"}, "Omniva", &fri, order.ShipmentInTransit)},
			"Your Shoes have arrived and the Jacket arrives on Friday.",
			"Jūsų Shoes jau atkeliavo, o Jacket atkeliaus penktadienį."},
		{"pickup, moving, arriving", []Shipment{
			ship([]string{"Jacket"}, "Omniva", nil, order.ShipmentAvailableForPickup),
			ship([]string{"Hat"}, "DPD", nil, order.ShipmentInTransit),
			ship([]string{"Shoes"}, "DPD", &tomorrow, order.ShipmentInTransit)},
			"Your Jacket is ready for pickup, the Hat is on the way and the Shoes arrive tomorrow.",
			"Jūsų Jacket laukia atsiėmimo punkte, Hat jau keliauja, o Shoes atkeliaus rytoj."},
		{"no item names", []Shipment{
			ship(nil, "DPD", &tomorrow, order.ShipmentInTransit),
			ship([]string{" "}, "Omniva", &fri, order.ShipmentInTransit)},
			"Your DPD parcel arrives tomorrow, the Omniva parcel on Friday.",
			"Jūsų DPD siunta atkeliaus rytoj, o Omniva siunta – penktadienį."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newFormatter("en", "Europe/Vilnius", now).summary(tt.ss); got != tt.en {
				t.Errorf("en summary = %q\nwant %q", got, tt.en)
			}
			if got := newFormatter("lt", "Europe/Vilnius", now).summary(tt.ss); got != tt.lt {
				t.Errorf("lt summary = %q\nwant %q", got, tt.lt)
			}
		})
	}
}

func TestSummaryLithuanianItems(t *testing.T) {
	tomorrow, fri := at("2026-05-07T14:00:00Z"), at("2026-05-08T14:00:00Z")
	f := newFormatter("lt", "Europe/Vilnius", "2026-05-06T10:30:00Z")
	got := f.summary([]Shipment{{Items: []string{"batai"}, ETA: &tomorrow}, {Items: []string{"striukė"}, ETA: &fri}})
	if want := "Jūsų batai atkeliaus rytoj, o striukė – penktadienį."; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		items  []string
		en, lt string
	}{
		{nil, "", ""},
		{[]string{"Shoes"}, "Shoes", "Shoes"},
		{[]string{"Shoes", "Jacket"}, "Shoes and Jacket", "Shoes ir Jacket"},
		{[]string{"Shoes", "Socks", "Jacket"}, "Shoes, Socks and Jacket", "Shoes, Socks ir Jacket"},
		{[]string{"batai", "", "striukė"}, "batai and striukė", "batai ir striukė"},
	}
	for _, tt := range tests {
		if got := newFormatter("en", "", "2026-05-06T10:30:00Z").join(tt.items); got != tt.en {
			t.Errorf("en join(%q) = %q, want %q", tt.items, got, tt.en)
		}
		if got := newFormatter("lt", "", "2026-05-06T10:30:00Z").join(tt.items); got != tt.lt {
			t.Errorf("lt join(%q) = %q, want %q", tt.items, got, tt.lt)
		}
	}
}

func TestVocative(t *testing.T) {
	tests := map[string]string{
		"Jonas": "Jonai", "Andrius": "Andriau", "Nojus": "Nojau", "Elijas": "Elijau",
		"Kęstutis": "Kęstuti", "Kazys": "Kazy", "Eglė": "Egle", "Ona": "Ona", "Rūta": "Rūta",
		"JONAS": "JONAI", "EGLĖ": "EGLE", "Li": "Li", "Marie": "Marie", "<script>": "<script>", "": "",
	}
	for in, want := range tests {
		if got := lithuanian.vocative(in); got != want {
			t.Errorf("vocative(%q) = %q, want %q", in, got, want)
		}
		if got := english.vocative(in); got != in {
			t.Errorf("English vocative(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestTimeFuncArguments(t *testing.T) {
	f := newFormatter("en", "UTC", "2026-05-07T10:30:00Z").funcs()
	eta := f["eta"].(func(any) (string, error))
	tm := at("2026-05-07T14:00:00Z")
	var nilTime *time.Time
	for _, tt := range []struct {
		in   any
		want string
	}{{tm, "today by 2:00 PM"}, {&tm, "today by 2:00 PM"}, {nilTime, ""}, {nil, ""}} {
		if got, err := eta(tt.in); err != nil || got != tt.want {
			t.Errorf("eta(%#v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := eta("tomorrow"); err == nil {
		t.Error("eta of a string: want an error")
	}
}
