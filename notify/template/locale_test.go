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
