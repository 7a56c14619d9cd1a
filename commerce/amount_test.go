package commerce_test

import (
	"testing"

	"github.com/shipflow/shipflow/commerce"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"24.90", "24.90", true},
		{" 100 ", "100", true},
		{"0.5", "0.5", true},
		{"-1.00", "", false},
		{"1,00", "", false},
		{"1.", "", false},
		{".5", "", false},
		{"1e3", "", false},
		{"", "", false},
	} {
		got, err := commerce.ParseAmount("total", tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseAmount(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && fieldOf(err) != "total" {
			t.Errorf("ParseAmount(%q) err = %v, want FieldError for total", tc.in, err)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"EUR", "EUR", true},
		{" usd ", "USD", true},
		{"EURO", "", false},
		{"E1R", "", false},
		{"", "", false},
	} {
		got, err := commerce.ParseCurrency("currency", tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseCurrency(%q) = %q, %v", tc.in, got, err)
		}
	}
}
