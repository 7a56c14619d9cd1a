package trackpage

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeContacts is a Finder over a map, counting its calls.
type fakeContacts struct {
	mu    sync.Mutex
	m     map[string]Contacts
	err   error
	calls int
}

func (f *fakeContacts) OrderContacts(_ context.Context, id string) (Contacts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return Contacts{}, f.err
	}
	c, ok := f.m[id]
	if !ok {
		return Contacts{}, fmt.Errorf("order %q: %w", id, ErrNotFound)
	}
	return c, nil
}

func newForm() (*Form, *fakeContacts) {
	fc := &fakeContacts{m: map[string]Contacts{
		"1042": {Token: token, Email: "Ona.Petraite@example.lt", PostalCode: "LT-01103", Country: "LT"},
		"1043": {Token: otherToken, Email: "jonas@example.lt"}, // no shipping address
	}}
	return &Form{Orders: fc, Brand: shop}, fc
}

// post sends the form as a browser on the same page would.
func post(t *testing.T, f *Form, fields url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/track", strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	return rec.Result(), html.UnescapeString(rec.Body.String())
}

// nonceOf finds a response's CSP nonce, which differs on every response.
var nonceOf = regexp.MustCompile(`nonce="[^"]*"`)

func lookupOf(order, contact string) url.Values {
	return url.Values{"order": {order}, "contact": {contact}}
}

func TestFormPage(t *testing.T) {
	f, _ := newForm()
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/track", nil))
	body := html.UnescapeString(rec.Body.String())
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	wantSecurityHeaders(t, rec.Result(), body)
	wantIn(t, body, "Track your order", `<form method="post" action="/track"`, `name="order"`, `name="contact"`,
		"Find my order", `alt="Ona's Shoes"`, "help@shop.example")
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self'") || strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP of the form: %s", csp)
	}
	if strings.Contains(body, "<script") {
		t.Error("the form carries a script; it must work without one")
	}

	req := httptest.NewRequest(http.MethodGet, "/track", nil)
	req.Header.Set("Accept-Language", "lt-LT,lt;q=0.9,en;q=0.5")
	rec = httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	wantIn(t, html.UnescapeString(rec.Body.String()), `<html lang="lt">`, "Sekite savo užsakymą", "Rasti užsakymą")
}

func TestFormLeadsToTheTrackingPage(t *testing.T) {
	f, _ := newForm()
	for _, tc := range []struct{ order, contact string }{
		{"1042", "ona.petraite@example.lt"},
		{"#1042", " ONA.PETRAITE@EXAMPLE.LT "},
		{"1042", "LT-01103"},
		{"1042", "lt 01103"},
		{"1042", "01103"},
	} {
		res, _ := post(t, f, lookupOf(tc.order, tc.contact))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/track/"+token {
			t.Errorf("%q + %q: %d to %q, want 303 to the tracking page", tc.order, tc.contact, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// A wrong email, a wrong postal code, an order without an address and an order that does not
// exist all get the same page: nothing tells a guesser which part was wrong.
func TestFormNeverSaysWhichPartWasWrong(t *testing.T) {
	f, _ := newForm()
	var first string
	for i, tc := range []struct{ order, contact string }{
		{"1042", "someone@example.lt"},
		{"1042", "LT-01104"},
		{"1042", "1103"},
		{"1043", "01103"},
		{"9999", "ona.petraite@example.lt"},
		{"9999", "01103"},
	} {
		res, body := post(t, f, lookupOf(tc.order, tc.contact))
		if res.StatusCode != http.StatusOK {
			t.Errorf("%q + %q: status %d, want 200", tc.order, tc.contact, res.StatusCode)
		}
		wantIn(t, body, "We could not find an order with those details.")
		// The same page but for the echoed fields.
		shape := strings.NewReplacer(`value="`+tc.order+`"`, "", `value="`+tc.contact+`"`, "").Replace(body)
		shape = nonceOf.ReplaceAllString(shape, "")
		if i == 0 {
			first = shape
		} else if shape != first {
			t.Errorf("%q + %q: the answer differs from the first miss", tc.order, tc.contact)
		}
	}
}

func TestFormRefusesBadInput(t *testing.T) {
	f, fc := newForm()
	for name, fields := range map[string]url.Values{
		"no order":            lookupOf("", "ona.petraite@example.lt"),
		"no contact":          lookupOf("1042", " "),
		"NUL in the order":    lookupOf("10\x0042", "01103"),
		"NUL in the contact":  lookupOf("1042", "ona\x00@example.lt"),
		"newline in contact":  lookupOf("1042", "a@b.lt\nBcc: c@d.lt"),
		"non-ASCII order":     lookupOf("užsakymas", "01103"),
		"order of 129":        lookupOf(strings.Repeat("1", 129), "01103"),
		"contact of 255":      lookupOf("1042", strings.Repeat("a", 255)),
		"escape in the order": lookupOf("1042\x1b[31m", "01103"),
		"no fields at all":    {},
		"other fields only":   {"x": {"1"}},
	} {
		res, body := post(t, f, fields)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, res.StatusCode)
		}
		wantIn(t, body, "Enter the order number from your confirmation")
		wantNotIn(t, body, "\x00", "\x1b")
	}
	if fc.calls != 0 {
		t.Errorf("bad input reached the store %d times", fc.calls)
	}
}

func TestFormBodyCap(t *testing.T) {
	f, fc := newForm()
	res, _ := post(t, f, lookupOf("1042", strings.Repeat("a", 5000)))
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", res.StatusCode)
	}
	if fc.calls != 0 {
		t.Error("an oversized body reached the store")
	}
}

func TestFormRefusesOtherSites(t *testing.T) {
	f, fc := newForm()
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	} {
		res, _ := post(t, f, lookupOf("1042", "01103"), h...)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", h, res.StatusCode)
		}
	}
	// The page's own origin, and a client that is no browser, are fine.
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "", "Origin", "http://example.com"}, // httptest's Host
		{"Sec-Fetch-Site", ""},
	} {
		if res, _ := post(t, f, lookupOf("1042", "01103"), h...); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%v: status %d, want 303", h, res.StatusCode)
		}
	}
	if fc.calls != 2 {
		t.Errorf("store asked %d times, want 2", fc.calls)
	}
}

func TestFormRateLimitPerOrderComesFirst(t *testing.T) {
	f, fc := newForm()
	var asked []string
	f.Allow = func(n string) (time.Duration, bool) { asked = append(asked, n); return 90 * time.Second, false }
	res, body := post(t, f, lookupOf("#1042", "01103"))
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "90" {
		t.Errorf("status %d, Retry-After %q; want 429 and 90", res.StatusCode, res.Header.Get("Retry-After"))
	}
	wantIn(t, body, "Too many tries for this order just now.", `<form method="post"`)
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q: a person gets a page, not JSON", ct)
	}
	if fc.calls != 0 {
		t.Error("a refused lookup reached the store")
	}
	if len(asked) != 1 || asked[0] != "1042" {
		t.Errorf("limit asked about %q, want the order number without #", asked)
	}
}

func TestFormStoreDown(t *testing.T) {
	f, fc := newForm()
	fc.err = errors.New("postgres: connection refused")
	res, body := post(t, f, lookupOf("1042", "01103"))
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("status %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	wantIn(t, body, "We can't look up orders right now.")
	wantNotIn(t, body, "postgres")
}

func TestFormEscapesWhatItDrawsBack(t *testing.T) {
	f, _ := newForm()
	req := httptest.NewRequest(http.MethodPost, "/track", strings.NewReader(lookupOf(`1"><b>x`, `"><script>alert(1)</script>`).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	raw := rec.Body.String()
	if !strings.Contains(raw, "We could not find") {
		t.Fatalf("status %d:\n%s", rec.Code, raw)
	}
	if strings.Contains(raw, "<script>alert") || strings.Contains(raw, `"><b>`) {
		t.Error("the form drew the customer's input back unescaped")
	}
}

func TestMatches(t *testing.T) {
	c := Contacts{Email: "a@b.lt", PostalCode: "SW1A 1AA", Country: "GB"}
	for answer, want := range map[string]bool{
		"a@b.lt": true, "A@B.LT": true, "sw1a1aa": true, "SW1A-1AA": true, "SW1A": false, "": false, "b@b.lt": false,
	} {
		if got := matches(c, answer); got != want {
			t.Errorf("matches(%q) = %v, want %v", answer, got, want)
		}
	}
	if matches(Contacts{}, "@") || matches(Contacts{}, "x") {
		t.Error("an order without contacts matched")
	}
}
