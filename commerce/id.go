package commerce

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/shipflow/shipflow/order"
)

// ID is a platform's identifier (an order, a fulfillment, an event) kept as
// text. Platforms send ids as JSON numbers too large for a float64 to hold
// exactly (Shopify's 820982911946154508) or as strings (WooCommerce's
// deleted-order payload may do either), so ID takes both and keeps the
// digits as sent. Zero and null mean no id, as they do on both platforms.
type ID string

// UnmarshalJSON accepts a JSON string, a non-negative JSON integer or null.
// Anything else is a *json.UnmarshalTypeError, which the JSON decoder
// completes with the field's path.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null":
		return nil
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		str = strings.TrimSpace(str)
		if str == "0" {
			str = ""
		}
		*id = ID(str)
		return nil
	case digits(s):
		if s == "0" {
			s = ""
		}
		*id = ID(s)
		return nil
	}
	return &json.UnmarshalTypeError{Value: kind(s), Type: reflect.TypeFor[ID]()}
}

// RequireID checks an identifier the event cannot do without: present, and text within
// order.CheckText's rules for an id. Ids end up in dedupe keys, timelines and log lines.
func RequireID(field string, id ID) (string, error) {
	s := string(id)
	if s == "" {
		return "", Missing(field)
	}
	if err := order.CheckText(field, s, order.MaxIDLen); err != nil {
		return "", err
	}
	return s, nil
}

// RequireOrderID checks an order id: present and within order.CheckKey's rules, so the
// sender hears about an id the engine cannot take under the field name its own payload uses.
func RequireOrderID(field string, id ID) (string, error) {
	s := string(id)
	if err := order.CheckKey(field, s, order.MaxOrderIDLen); err != nil {
		return "", err
	}
	return s, nil
}

// digits reports whether s is a non-empty run of ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// kind names the JSON value kind of a raw token the way
// json.UnmarshalTypeError does ("number -1", "object", ...).
func kind(raw string) string {
	switch {
	case raw == "":
		return "empty"
	case raw[0] == '{':
		return "object"
	case raw[0] == '[':
		return "array"
	case raw == "true" || raw == "false":
		return "bool"
	}
	return "number " + raw
}
