package commerce_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/commerce"
)

func TestIDUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want commerce.ID
		bad  bool
	}{
		{`820982911946154508`, "820982911946154508", false}, // beyond float64 precision
		{`"727"`, "727", false},
		{`" 727 "`, "727", false},
		{`"gid://shopify/Order/1"`, "gid://shopify/Order/1", false},
		{`null`, "", false},
		{`0`, "", false},
		{`"0"`, "", false},
		{`-1`, "", true},
		{`1.5`, "", true},
		{`1e3`, "", true},
		{`true`, "", true},
		{`{}`, "", true},
		{`[]`, "", true},
	} {
		var v struct {
			ID commerce.ID `json:"id"`
		}
		err := json.Unmarshal([]byte(`{"id":`+tc.in+`}`), &v)
		if tc.bad {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				t.Errorf("%s: err = %v, want *json.UnmarshalTypeError", tc.in, err)
			} else if te.Field != "id" {
				t.Errorf("%s: error field = %q, want id", tc.in, te.Field)
			}
			continue
		}
		if err != nil || v.ID != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.in, v.ID, err, tc.want)
		}
	}
}

func TestRequireID(t *testing.T) {
	for _, tc := range []struct {
		id    commerce.ID
		field string // "" for accepted
	}{
		{"727", ""},
		{"LT-100234 / A", ""},
		{"", "order_id"},
		{"a\tb", "order_id"},
		{"\xff", "order_id"},
		{commerce.ID(strings.Repeat("9", 201)), "order_id"},
	} {
		got, err := commerce.RequireID("order_id", tc.id)
		if f := fieldOf(err); f != tc.field {
			t.Errorf("RequireID(%q) err = %v, want field %q", tc.id, err, tc.field)
		}
		if err == nil && got != string(tc.id) {
			t.Errorf("RequireID(%q) = %q", tc.id, got)
		}
	}
}
