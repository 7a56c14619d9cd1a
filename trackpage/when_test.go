package trackpage

import (
	"testing"

	notifytmpl "github.com/shipflow/shipflow/notify/template"
)

func TestArrivalPhrasing(t *testing.T) {
	vilnius := zone("Europe/Vilnius")
	for _, tc := range []struct {
		eta    string
		en, lt string
	}{
		{"2026-05-07T14:00:00Z", "Arrives today by 5:00 PM", "Atkeliaus šiandien iki 17:00"},
		{"2026-05-08T14:00:00Z", "Arrives tomorrow by 5:00 PM", "Atkeliaus rytoj iki 17:00"},
		{"2026-05-08T00:00:00Z", "Arrives tomorrow", "Atkeliaus rytoj"},                      // a carrier's date, no time
		{"2026-05-07T21:00:00Z", "Arrives tomorrow", "Atkeliaus rytoj"},                      // local midnight
		{"2026-05-07T22:30:00Z", "Arrives tomorrow by 1:30 AM", "Atkeliaus rytoj iki 01:30"}, // already tomorrow in Vilnius
		{"2026-05-08T21:30:00Z", "Arrives on Saturday, May 9", "Atkeliaus gegužės 9 d., šeštadienį"},
		{"2026-05-20T12:00:00Z", "Arrives on May 20", "Atkeliaus gegužės 20 d."},
		{"2027-01-03T00:00:00Z", "Arrives on January 3, 2027", "Atkeliaus 2027 m. sausio 3 d."},
		{"2026-05-05T12:00:00Z", "Was due on May 5", "Turėjo atkeliauti gegužės 5 d."},
	} {
		en := clock{w: &english, locale: "en", now: now, loc: vilnius}
		lt := clock{w: &lithuanian, locale: "lt", now: now, loc: vilnius}
		if got := en.arrival(at(tc.eta)); got != tc.en {
			t.Errorf("en %s: %q, want %q", tc.eta, got, tc.en)
		}
		if got := lt.arrival(at(tc.eta)); got != tc.lt {
			t.Errorf("lt %s: %q, want %q", tc.eta, got, tc.lt)
		}
	}
}

func TestDeliveryPhrasing(t *testing.T) {
	c := clock{w: &english, locale: "en", now: now, loc: zone("Europe/Vilnius")}
	for eta, want := range map[string]string{
		"2026-05-07T06:30:00Z": "Delivered today at 9:30 AM",
		"2026-05-06T13:15:00Z": "Delivered yesterday at 4:15 PM",
		"2026-05-02T13:15:00Z": "Delivered on May 2 at 4:15 PM",
	} {
		if got := c.delivery(at(eta)); got != want {
			t.Errorf("%s: %q, want %q", eta, got, want)
		}
	}
	lt := clock{w: &lithuanian, locale: "lt", now: now, loc: zone("Europe/Vilnius")}
	if got, want := lt.delivery(at("2026-05-06T13:15:00Z")), "Pristatyta vakar 16:15"; got != want {
		t.Errorf("lt: %q, want %q", got, want)
	}
}

func TestVocative(t *testing.T) {
	for in, want := range map[string]string{
		"Jonas": "Jonai", "Andrius": "Andriau", "Kęstutis": "Kęstuti", "Kazys": "Kazy",
		"Eglė": "Egle", "Ona": "Ona", "Matthew": "Matthew", "Al": "Al", "JONAS": "JONAI",
	} {
		if got := notifytmpl.VocativeLithuanian(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}
