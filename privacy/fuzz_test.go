package privacy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/privacy"
)

func TestParseRequest(t *testing.T) {
	for body, want := range map[string]privacy.Subject{
		`{"email":" Ona@Example.COM "}`:              {Email: "ona@example.com"},
		`{"phone":"+370 600-00000"}`:                 {Phone: "+37060000000"},
		`{"phone":"0037060000000","email":"a@b.lt"}`: {Email: "a@b.lt", Phone: "+37060000000"},
	} {
		got, err := privacy.ParseRequest(strings.NewReader(body))
		if err != nil || got != want {
			t.Errorf("ParseRequest(%s) = %+v, %v; want %+v", body, got, err, want)
		}
	}
	for _, body := range []string{`{}`, `{"email":"ona"}`, `{"phone":"860000000"}`, `{"email":"a@b.lt","x":1}`, `{"email":"a@b.lt"}{}`,
		`{"email":"` + strings.Repeat("a", 5000) + `"}`, "{\"email\":\"a\\u0000@b.lt\"}", `[`} {
		if _, err := privacy.ParseRequest(strings.NewReader(body)); err == nil {
			t.Errorf("ParseRequest(%.40s) accepted", body)
		}
	}
}

// FuzzParseRequest: any body is a subject in normal form or an error the API answers with a
// 400 (a field error or malformed JSON), never a panic.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"email":"ona@example.com"}`))
	f.Add([]byte(`{"phone":"+37060000000"}`))
	f.Add([]byte(`{"email":"A@B.LT","phone":"00 370 600 00000"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := privacy.ParseRequest(bytes.NewReader(body))
		if err != nil {
			var fe *order.FieldError
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if !errors.As(err, &fe) && !errors.As(err, &se) && !errors.As(err, &te) && !strings.HasPrefix(err.Error(), "json: unknown field") && err.Error() != "unexpected EOF" && err.Error() != "EOF" {
				t.Fatalf("unclassified error %T: %v", err, err)
			}
			return
		}
		if s.IsZero() || (s.Email != "" && (s.Email != order.NormalEmail(s.Email) || !order.IsEmail(s.Email))) || (s.Phone != "" && !order.IsE164(s.Phone)) || !utf8.ValidString(s.Email) {
			t.Fatalf("subject %+v", s)
		}
	})
}
