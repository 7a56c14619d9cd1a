package template

import (
	"slices"
	"testing"
)

func TestCanonicalLocale(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"en", "en", true},
		{"EN", "en", true},
		{"lt-LT", "lt-LT", true},
		{"lt_lt", "lt-LT", true},
		{"lt_LT.UTF-8", "lt-LT", true},
		{"sr_RS@latin", "sr-RS", true},
		{"zh-hant-tw", "zh-Hant-TW", true},
		{"es-419", "es-419", true},
		{"", "", false},
		{"e", "", false},
		{"12", "", false},
		{"lt-LT/../en", "", false},
		{"ąž", "", false},
	}
	for _, tt := range tests {
		got, ok := canonicalLocale(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("canonicalLocale(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLocaleChain(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"lt-LT", []string{"lt-LT", "lt", "en"}},
		{"lt", []string{"lt", "en"}},
		{"en-GB", []string{"en-GB", "en"}},
		{"en", []string{"en"}},
		{"zh-Hant-TW", []string{"zh-Hant-TW", "zh-Hant", "zh", "en"}},
		{"", []string{"en"}},
		{"!!", []string{"en"}},
	}
	for _, tt := range tests {
		if got := localeChain(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("localeChain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLanguageOf(t *testing.T) {
	for in, want := range map[string]Language{
		"lt": Lithuanian, "LT": Lithuanian, "lt-LT": Lithuanian, "lt_LT": Lithuanian, "lt_LT.UTF-8": Lithuanian,
		" lt-lt ": Lithuanian, "lt@euro": Lithuanian, "lt-": Lithuanian,
		"en": English, "en-GB": English, "de": English, "lv-LV": English, "": English, "!!": English, "ltx": English,
		// Accept-Language: the most preferred of ours.
		"lt-LT,lt;q=0.9,en;q=0.8":   Lithuanian,
		"en-US,lt;q=0.8":            English,
		"de-DE, lt;q=0.8, en;q=0.5": Lithuanian,
		"lt;q=0.2, en;q=0.9":        English,
		"de, fr;q=0.5":              English,
		"lt;q=garbage,":             English,
	} {
		if got := LanguageOf(in); got != want {
			t.Errorf("LanguageOf(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzLanguageOf: any value picks one of our languages, and every language has its words.
func FuzzLanguageOf(f *testing.F) {
	for _, s := range []string{"lt-LT", "lt_LT.UTF-8", "en-US,lt;q=0.8", ";;;", "lt;q=1e9", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := LanguageOf(s)
		if _, ok := languages[l]; !ok {
			t.Fatalf("LanguageOf(%q) = %q, not one of ours", s, l)
		}
	})
}
