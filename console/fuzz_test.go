package console

import (
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/shipflow/shipflow/access"
)

// FuzzSafeNext: whatever a sign-in form's next says, the browser is only ever sent to a
// console page of this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/console/orders", "https://evil.example/", "//evil.example/console/", "/console/../x",
		"/console\\@evil", "/console/%2e%2e/x", "/console/orders?q=a\r\nSet-Cookie: x", "/console/sign-out", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == defaultAfterSignIn {
			return
		}
		if got != next || !strings.HasPrefix(got, prefix+"/") || strings.HasPrefix(got, "//") ||
			strings.Contains(got, "/..") || strings.ContainsFunc(got, func(r rune) bool { return r == '\\' || unicode.IsControl(r) }) {
			t.Fatalf("safeNext(%q) = %q: not a console page of this site", next, got)
		}
	})
}

// FuzzOrderSearch: the orders form, whatever it holds, is refused in words or becomes a list
// query within the API's limits; never a panic.
func FuzzOrderSearch(f *testing.F) {
	f.Add("ona@example.com", "delivered", "dpd", "2026-12-01", "2026-12-05", "")
	f.Add("+37060000000", "", "", "", "", "")
	f.Add("užsakymas\x00-1", "bogus", strings.Repeat("x", 70), "2026-13-40", "yesterday", "!!")
	f.Fuzz(func(t *testing.T, q, status, carrier, from, to, cursor string) {
		s := orderSearch{Q: q, Status: status, Carrier: carrier, From: from, To: to}
		p, err := s.params(cursor)
		if err != nil {
			if _, ok := err.(*problemError); !ok {
				t.Fatalf("params refused with %T %v, want a problem page", err, err)
			}
			return
		}
		for _, v := range []string{p.Email, p.Phone, p.OrderID, p.Carrier, p.Cursor} {
			if strings.ContainsRune(v, 0) || len(v) > maxSearchLen {
				t.Fatalf("params passed %q on", v)
			}
		}
		if !p.CreatedTo.IsZero() && !p.CreatedFrom.IsZero() && p.CreatedTo.Before(p.CreatedFrom) && from <= to {
			t.Fatalf("dates %q..%q became %v..%v", from, to, p.CreatedFrom, p.CreatedTo)
		}
	})
}

// FuzzReadTokenForm: the form that makes a token accepts only a valid name and known scopes.
func FuzzReadTokenForm(f *testing.F) {
	f.Add("ops", "orders:read", "admin")
	f.Add("a\x00", "root", "")
	f.Fuzz(func(t *testing.T, name, s1, s2 string) {
		got, scopes, err := readTokenForm(url.Values{"name": {name}, "scope": {s1, s2}})
		if err == nil && (got != name || !access.ValidName(got) || len(scopes) == 0) {
			t.Fatalf("%q %q %q: accepted as %q %v", name, s1, s2, got, scopes)
		}
	})
}
