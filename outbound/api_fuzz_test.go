package outbound

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/order"
)

// FuzzEndpointFields: what the endpoint checks accept is within its caps and holds nothing a
// person or Postgres could not take, and their answers never quote the value whole.
func FuzzEndpointFields(f *testing.F) {
	for _, s := range []string{"https://erp.example.com/hooks", "https://erp.example.com/ho\x00ok", "http://[::1", "https://užsakymai.example/",
		"https://a.example/\r\nX: y", strings.Repeat("a", 3000), "ERP \u202e dorp", "ERP\n", "\xff", "order.created"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := checkURLText(s); err == nil {
			if len(s) > maxURLLen || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) {
				t.Fatalf("url %q accepted", s)
			}
			_ = egress.CheckURL(s, egress.Policy{AllowHTTP: true}) // must not panic on what passes
		} else if len(err.Error()) > 300 {
			t.Fatalf("url refusal of %d bytes", len(err.Error()))
		}
		if err := checkDescription(s); err == nil {
			if utf8.RuneCountInString(s) > maxDescriptionLen || strings.ContainsFunc(s, order.UnsafeRune) || !utf8.ValidString(s) {
				t.Fatalf("description %q accepted", s)
			}
		} else if len(err.Error()) > 300 {
			t.Fatalf("description refusal of %d bytes", len(err.Error()))
		}
	})
}

// FuzzHeaderPatch: whatever a request holds under "headers", reading it never panics, a
// refusal is short and quotes nothing raw, and what it accepts is either "remove them all" or
// entries each of which CheckHeader accepts (or a removal by a valid name).
func FuzzHeaderPatch(f *testing.F) {
	for _, s := range []string{`null`, `{}`, `{"Authorization":"Bearer x"}`, `{"X-A":null}`, `{"X-A":"a\r\nb"}`, `{"webhook-id":"x"}`,
		`{"X-A":7}`, `["X-A"]`, `"x"`, `{"X-A":"a","x-a":"b"}`, `{"\u0000":"x"}`, `{"X-A":"\u00e9"}`, `{`, `{"X-A":"` + strings.Repeat("v", 5000) + `"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		patch, clear, err := endpointRequest{Headers: raw}.input().headerPatch()
		if err != nil {
			if len(err.Error()) > 300 || strings.ContainsAny(err.Error(), "\r\n\x00") {
				t.Fatalf("refusal %q", err)
			}
			return
		}
		if clear && patch != nil {
			t.Fatal("both clear and a patch")
		}
		if len(patch) > 2*maxHeaders {
			t.Fatalf("%d entries accepted", len(patch))
		}
		for name, v := range patch {
			if v == nil {
				if checkHeaderName(name) != nil {
					t.Fatalf("removal of %q accepted", name)
				}
			} else if err := CheckHeader(name, *v); err != nil {
				t.Fatalf("%q: %q accepted: %v", name, *v, err)
			}
		}
		// A merge of what was accepted, checked, is a set a request can carry.
		if h := (Headers{}).Merge(patch); CheckHeaders(h) == nil && len(h) > maxHeaders {
			t.Fatalf("%d headers pass CheckHeaders", len(h))
		}
	})
}
