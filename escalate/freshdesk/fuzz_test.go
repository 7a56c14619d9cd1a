package freshdesk

import (
	"testing"
	"unicode/utf8"
)

// FuzzDescribe feeds Freshdesk error answers, well-formed or not, to describe: it must never
// panic, and its code and line stay short and valid UTF-8 whatever the body, since it ends up in logs
// and workflow histories.
func FuzzDescribe(f *testing.F) {
	f.Add([]byte(`{"description":"Validation failed","errors":[{"field":"email","message":"There is no contact matching the given email","code":"invalid_value"}]}`))
	f.Add([]byte(`{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`))
	f.Add([]byte(`{"errors":[]}`))
	f.Add([]byte(`<html>Bad gateway</html>`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, b []byte) {
		code, detail := describe(b)
		if len(detail) > 210 || (utf8.Valid(b) && !utf8.ValidString(detail)) {
			t.Fatalf("detail %q from %q", detail, b)
		}
		if len(code) > 210 {
			t.Fatalf("code %q from %q", code, b)
		}
	})
}
