package voice

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify/template"
)

func TestSamePhone(t *testing.T) {
	tests := []struct {
		caller, order string
		want          bool
	}{
		{"+37060000000", "+37060000000", true},
		{"+370 600 00000", "+37060000000", true},
		{"+370-600-00000", "+37060000000", true},
		{"0037060000000", "+37060000000", true},
		{"8 600 00000", "+37060000000", true},
		{"(0)600 00000", "+37060000000", true},
		{"+1 (312) 345-6789", "+13123456789", true},
		{"312 345 6789", "+13123456789", true},
		{"+37060000001", "+37060000000", false},
		{"+44 60000000", "+37060000000", false}, // an international number must match whole
		{"00000", "+37060000000", false},
		{"", "+37060000000", false},
		{"+37060000000", "", false},
		{"+3706000000x", "+37060000000", false},
	}
	for _, tt := range tests {
		if got := samePhone(tt.caller, tt.order); got != tt.want {
			t.Errorf("samePhone(%q, %q) = %v, want %v", tt.caller, tt.order, got, tt.want)
		}
	}
	if got := maskPhone("+37060000123"); got != "********123" {
		t.Errorf("maskPhone = %q", got)
	}
}

func TestLithuanianLocative(t *testing.T) {
	tests := []struct{ city, country, want string }{
		{"Kaunas", "LT", "Kaune"},
		{"Vilnius", "", "Vilniuje"},
		{"Klaipėda", "LT", "Klaipėdoje"},
		{"Šiauliai", "LT", "Šiauliuose"},
		{"Panevėžys", "LT", "Panevėžyje"},
		{"Alytus", "LT", "Alytuje"},
		{"Marijampolė", "LT", "Marijampolėje"},
		{"Trakai", "LTU", "Trakuose"},
		{"Rokiškis", "LT", "Rokiškyje"},
		{"Riga", "LV", "Rygoje"},
		{"Hamburg", "DE", "vietovėje Hamburg"},
		{"Kaunas Sorting Hub", "LT", "vietovėje Kaunas Sorting Hub"},
	}
	for _, tt := range tests {
		if got := ltLocative(tt.city, tt.country); got != tt.want {
			t.Errorf("ltLocative(%q) = %q, want %q", tt.city, got, tt.want)
		}
	}
}

func TestFollowUpWording(t *testing.T) {
	tests := []struct {
		d      time.Duration
		en, lt string
	}{
		{24 * time.Hour, "within 24 hours", "per 24 valandas"},
		{time.Hour, "within 1 hour", "per 1 valandą"},
		{12 * time.Hour, "within 12 hours", "per 12 valandų"},
		{21 * time.Hour, "within 21 hours", "per 21 valandą"},
		{96 * time.Hour, "within 4 days", "per 4 dienas"},
		{90 * time.Minute, "within 2 hours", "per 2 valandas"},
	}
	for _, tt := range tests {
		if got := enWithin(tt.d); got != tt.en {
			t.Errorf("enWithin(%v) = %q, want %q", tt.d, got, tt.en)
		}
		if got := ltWithin(tt.d); got != tt.lt {
			t.Errorf("ltWithin(%v) = %q, want %q", tt.d, got, tt.lt)
		}
	}
}

func TestSayPicksLanguage(t *testing.T) {
	for locale, want := range map[string]phrases{
		"lt": lithuanian{}, "lt-LT": lithuanian{}, "LT_lt.UTF-8": lithuanian{}, "en-GB": english{}, "fr": english{}, "": english{},
	} {
		if got := say(locale); got != want {
			t.Errorf("say(%q) = %T, want %T", locale, got, want)
		}
	}
}

func TestParseETASpec(t *testing.T) {
	vilnius := zone("Europe/Vilnius")
	tests := []struct {
		in   string
		want string // RFC 3339 UTC; "" for refused
	}{
		{"2026-05-08T18:00:00+03:00", "2026-05-08T15:00:00Z"},
		{"2026-05-08T15:00:00Z", "2026-05-08T15:00:00Z"},
		{"2026-05-08T18:00", "2026-05-08T15:00:00Z"},
		{"2026-05-08 18:00", "2026-05-08T15:00:00Z"},
		{"17:30", "2026-05-07T14:30:00Z"},
		{"17.30", "2026-05-07T14:30:00Z"},
		{"5:30 PM", "2026-05-07T14:30:00Z"},
		{"5:30 p.m.", "2026-05-07T14:30:00Z"},
		{"6 pm", "2026-05-07T15:00:00Z"},
		{"13:00", "2026-05-08T10:00:00Z"}, // 13:00 has passed at 13:30 Vilnius: tomorrow
		{"tomorrow", ""},
		{"25:00", ""},
		{"", ""},
	}
	for _, tt := range tests {
		spec, ok := parseETASpec(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseETASpec(%q) accepted", tt.in)
			}
			continue
		}
		if !ok {
			t.Errorf("parseETASpec(%q) refused", tt.in)
			continue
		}
		if got := spec.resolve(testNow, vilnius).UTC().Format(time.RFC3339); got != tt.want {
			t.Errorf("%q resolves to %s, want %s", tt.in, got, tt.want)
		}
	}
}

// The notify/template functions the voice answers are worded with.
func TestTemplatePhrases(t *testing.T) {
	const tz = "Europe/Vilnius"
	at := func(s string) time.Time { return *tp(s) }
	tests := []struct {
		name, en, lt string
		say          func(locale string) string
	}{
		{"full ETA", "May 8th, 2026, by 5:00 PM", "2026 m. gegužės 8 d. iki 17:00",
			func(l string) string { return template.FullETA(at("2026-05-08T14:00:00Z"), tz, l) }},
		{"full ETA, date only", "May 1st, 2026", "2026 m. gegužės 1 d.",
			func(l string) string { return template.FullETA(at("2026-05-01T00:00:00Z"), tz, l) }},
		{"ordinals", "May 22nd, 2026, by 5:00 PM", "2026 m. gegužės 22 d. iki 17:00",
			func(l string) string { return template.FullETA(at("2026-05-22T14:00:00Z"), tz, l) }},
		{"ordinals, teens", "May 13th, 2026, by 5:00 PM", "2026 m. gegužės 13 d. iki 17:00",
			func(l string) string { return template.FullETA(at("2026-05-13T14:00:00Z"), tz, l) }},
		{"relative ETA", "tomorrow by 5:00 PM", "rytoj iki 17:00",
			func(l string) string { return template.ETA(at("2026-05-08T14:00:00Z"), testNow, tz, l) }},
		{"relative ETA, Lithuanian tag spelled otherwise", "tomorrow by 5:00 PM", "rytoj iki 17:00",
			func(l string) string {
				if l == "lt" {
					l = "lt_LT.UTF-8"
				}
				return template.ETA(at("2026-05-08T14:00:00Z"), testNow, tz, l)
			}},
		{"day", "on Friday", "penktadienį",
			func(l string) string {
				return template.Day(at("2026-05-08T14:00:00Z"), at("2026-05-06T10:00:00Z"), tz, l)
			}},
		{"clock", "5:00 PM", "17:00",
			func(l string) string { return template.Clock(at("2026-05-08T14:00:00Z"), tz, l) }},
		{"happened today", "today at 11:00 AM", "šiandien 11:00",
			func(l string) string { return template.Happened(at("2026-05-07T08:00:00Z"), testNow, tz, l) }},
		{"happened yesterday", "yesterday at 2:14 PM", "vakar 14:14",
			func(l string) string { return template.Happened(at("2026-05-06T11:14:00Z"), testNow, tz, l) }},
		{"happened earlier", "on May 5", "gegužės 5 d.",
			func(l string) string { return template.Happened(at("2026-05-05T11:14:00Z"), testNow, tz, l) }},
	}
	for _, tt := range tests {
		if got := tt.say("en"); got != tt.en {
			t.Errorf("%s en: %q, want %q", tt.name, got, tt.en)
		}
		if got := tt.say("lt"); got != tt.lt {
			t.Errorf("%s lt: %q, want %q", tt.name, got, tt.lt)
		}
	}
}
