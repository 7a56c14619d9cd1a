package magento

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// decimal is a Magento decimal (a quantity, an amount): a JSON number, or a string holding one
// ("2.0000"), as Magento's REST layer writes either depending on the version and extension.
// It stays text; null and "" are empty. Anything else is a *json.UnmarshalTypeError, which the
// decoder completes with the field's path.
type decimal string

func (d *decimal) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if s == "" {
		*d = ""
		return nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil && !strings.Contains(err.Error(), "range") {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[decimal]()}
	}
	*d = decimal(s)
	return nil
}

// float reads d as a float64; ok is false for a value out of range.
func (d decimal) float() (float64, bool) {
	f, err := strconv.ParseFloat(string(d), 64)
	return f, err == nil
}
