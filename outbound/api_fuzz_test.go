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
