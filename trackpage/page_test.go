package trackpage

import (
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func newPage(orders Lookup, updates Subscriber) *Page {
	return &Page{Orders: orders, Updates: updates, Now: func() time.Time { return now }}
}

// get requests path from p and returns the response with its body as the
// text a reader sees (entities decoded, tags kept).
func get(t *testing.T, p *Page, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	return res, html.UnescapeString(rec.Body.String())
}

func pageOf(t *testing.T, v order.View) string {
	t.Helper()
	res, body := get(t, newPage(newOrders(token, v), newUpdates()), "/track/"+token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200; body:\n%s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	return body
}

func wantIn(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", body)
	}
}

func wantNotIn(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(strings.ToLower(body), strings.ToLower(u)) {
			t.Errorf("page shows %q", u)
		}
	}
}

// inOrder checks that the strings appear in body in this order.
func inOrder(t *testing.T, body string, want ...string) {
	t.Helper()
	last := -1
	for _, w := range want {
		i := strings.Index(body, w)
		if i < 0 {
			t.Errorf("page lacks %q", w)
			continue
		}
		if i < last {
			t.Errorf("%q comes before %q; want the order %q", w, want[0], want)
		}
		last = i
	}
}

func TestPageShowsStatusETALocationAndJourney(t *testing.T) {
	body := pageOf(t, inTransit())
	wantIn(t, body,
		`<html lang="en">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<h1 id="status" class="status state-in_transit">On its way</h1>`,
		"Order 1042",
		"Arrives tomorrow by 5:00 PM",
		`<dd class="last-place">Kaunas, LT</dd>`,
		"DPD", "05809023456789", "Running shoes",
		`<ol class="timeline">`,
		// times in the customer's zone: 05:10Z is 8:10 in Vilnius
		`<time datetime="2026-05-07T05:10:00Z">May 7, 8:10 AM</time>`,
	)
	// Newest first, the late-arriving older scan in its place by time, the
	// shop's shipped event at the start of the journey.
	journey := body[strings.Index(body, `<ol class="timeline">`):]
	inOrder(t, journey, "Departed sorting centre", "Arrived at hub", "Shipment data received", "Shipped")
	inOrder(t, journey, "In transit", "Label created")
	// Staff's and the system's words stay off the page.
	wantNotIn(t, body, staffNote, "channel sms dropped", "older than", "aftership", "ev-3", "LT-44100")
}

func TestPageShowsFirstNameOnly(t *testing.T) {
	body := pageOf(t, inTransit())
	wantIn(t, body, "Hi Ona,")
	wantNotIn(t, body, surname, "Petrait", email, "example.lt", phone, "60012345", street, "Gedimino", postalCode)
}

func TestPageDelivered(t *testing.T) {
	body := pageOf(t, delivered())
	wantIn(t, body,
		`class="status state-delivered">Delivered</h1>`,
		"Delivered today at 9:30 AM",
		`<dd class="last-place">Vilnius, LT</dd>`,
	)
	if strings.Contains(body, "Arrives") {
		t.Error("a delivered parcel still shows an arrival estimate")
	}
	// A scan the ordering rule refused after delivery would contradict
	// the status; it is not shown.
	wantNotIn(t, body, "Loaded on vehicle")
	inOrder(t, body, "Delivered to the customer", "Departed sorting centre")
}

func TestPageLithuanian(t *testing.T) {
	v := inTransit()
	v.Customer.Locale = "lt-LT"
	body := pageOf(t, v)
	wantIn(t, body,
		`<html lang="lt">`,
		"Sveiki, Ona!",
		">Keliauja pas jus</h1>",
		"Užsakymas 1042",
		"Atkeliaus rytoj iki 17:00",
		"Paskutinė vieta",
		"Siuntos kelias",
		"gegužės 7 d. 08:10",
		"Siuntos duomenys gauti",
	)
	wantNotIn(t, body, "On its way", "Arrives", surname)

	v.Customer.Name = "Jonas Jonaitis"
	wantIn(t, pageOf(t, v), "Sveiki, Jonai!")
}

func TestPageLocaleFallsBackToEnglish(t *testing.T) {
	for _, loc := range []string{"", "fr-FR", "xx", "lt_LT.UTF-8"} {
		v := inTransit()
		v.Customer.Locale = loc
		body := pageOf(t, v)
		want := `<html lang="en">`
		if loc == "lt_LT.UTF-8" {
			want = `<html lang="lt">`
		}
		if !strings.Contains(body, want) {
			t.Errorf("locale %q: page lacks %s", loc, want)
		}
	}
}

func TestPageTimeZone(t *testing.T) {
	v := inTransit()
	v.Customer.TimeZone = "America/New_York" // 05:10Z is 1:10 AM there
	wantIn(t, pageOf(t, v), "May 7, 1:10 AM")

	for _, tz := range []string{"", "Mars/Olympus_Mons", "Local"} {
		v.Customer.TimeZone = tz
		wantIn(t, pageOf(t, v), "May 7, 5:10 AM") // UTC
	}
}

func TestPageSplitOrder(t *testing.T) {
	body := pageOf(t, split())
	if n := strings.Count(body, `<article class="card"`); n != 2 {
		t.Fatalf("%d cards, want one per shipment (2)", n)
	}
	cards := strings.Split(body, `<article class="card"`)[1:]
	wantIn(t, cards[0], "Package 1 of 2", "In transit", "Arrives tomorrow by 5:00 PM", "Running shoes", "Kaunas, LT", "Departed sorting centre")
	wantNotIn(t, cards[0], "Rain jacket", "Parcel delivered", "Omniva")
	wantIn(t, cards[1], "Package 2 of 2", "Delivered", "Delivered yesterday at 4:15 PM", "Rain jacket", "Omniva", "Parcel delivered")
	wantNotIn(t, cards[1], "Running shoes", "Departed sorting centre", "Arrives")
}

func TestPageExceptionNotice(t *testing.T) {
	v := split()
	v.Status = order.StatusException
	v.Exception = &order.Exception{
		Reason: order.ReasonCarrierException, ShipmentID: "s1",
		Message: internalMsg, RaisedAt: at("2026-05-07T06:00:00Z"), Source: "carrier",
	}
	body := pageOf(t, v)
	wantIn(t, body,
		`<section class="notice" aria-labelledby="notice-heading">`,
		"There's a problem with your parcel",
		"Our team is already on it and will contact you with the next steps.",
		`<p class="about">Package 1 of 2</p>`,
		">Delivery issue</h1>",
	)
	wantNotIn(t, body, internalMsg, "crushed", "ticket", "carrier_exception")

	v.Customer.Locale = "lt"
	v.Exception.Reason = order.ReasonLate
	wantIn(t, pageOf(t, v), "Jūsų siunta vėluoja", `<p class="about">Siunta 1 iš 2</p>`)

	v = inTransit()
	if strings.Contains(pageOf(t, v), `class="notice"`) {
		t.Error("notice shown with no open exception")
	}
}

func TestPageBeforeShipping(t *testing.T) {
	v := inTransit()
	v.Status = order.StatusConfirmed
	v.Shipments = nil
	v.PromisedDelivery = ptr(at("2026-05-12T00:00:00Z")) // a date, no time
	v.Timeline = []order.Entry{
		{At: at("2026-05-05T10:00:00Z"), Kind: order.KindCommerce, Type: "order.confirmed"},
		{At: at("2026-05-05T09:30:00Z"), Kind: order.KindCommerce, Type: "order.packed", Ignored: true, Note: "order.packed after packed"},
		{At: at("2026-05-05T09:00:00Z"), Kind: order.KindCommerce, Type: "order.created"},
	}
	body := pageOf(t, v)
	wantIn(t, body, "Your order", ">Order confirmed</h1>", "Arrives on Tuesday, May 12", "Running shoes")
	inOrder(t, body, "Order confirmed</p>", "Order placed")
	wantNotIn(t, body, "Packed")
}

func TestPageNotFound(t *testing.T) {
	orders := newOrders(token, inTransit())
	p := newPage(orders, newUpdates())
	for _, path := range []string{"/track/" + otherToken, "/track/not%20a%20token", "/track/" + strings.Repeat("a", 200)} {
		res, body := get(t, p, path)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q, want the HTML page", path, ct)
		}
		wantIn(t, body, `<html lang="en">`, "<h1", "We can't find this tracking page", "contact the shop")
		wantSecurityHeaders(t, res, body)
	}
	if n := orders.callCount(); n != 1 {
		t.Errorf("lookup called %d times, want 1: a malformed token never reaches the store", n)
	}
}

func TestPageLookupFailure(t *testing.T) {
	orders := newOrders(token, inTransit())
	orders.setErr(errors.New("postgres: connection refused"))
	res, body := get(t, newPage(orders, nil), "/track/"+token)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", res.StatusCode)
	}
	wantIn(t, body, "Tracking is unavailable right now")
	wantNotIn(t, body, "postgres", "refused")
}

func TestPageSecurityHeaders(t *testing.T) {
	p := newPage(newOrders(token, inTransit()), newUpdates())
	res, body := get(t, p, "/track/"+token)
	nonce := wantSecurityHeaders(t, res, body)
	wantIn(t, body, `<script nonce="`+nonce+`">`)

	_, again := get(t, p, "/track/"+token)
	if strings.Contains(again, `nonce="`+nonce+`"`) {
		t.Error("nonce reused across responses")
	}
	// No inline handlers or style attributes, which the policy would block.
	if m := regexp.MustCompile(`\s(on[a-z]+|style)=`).FindString(body); m != "" {
		t.Errorf("page uses %q, which the CSP blocks", m)
	}
	// Without a brand logo nothing is fetched from elsewhere; links to a carrier's page are
	// navigation, not resources.
	if m := regexp.MustCompile(`(src|srcset|url\()\s*=?\s*["']?https?:|<link[^>]*https?:`).FindString(body); m != "" {
		t.Errorf("page refers to an external resource: %q", m)
	}
}

// wantSecurityHeaders checks the headers of an HTML response and returns
// the CSP nonce, which the inline style must carry.
func wantSecurityHeaders(t *testing.T, res *http.Response, body string) string {
	t.Helper()
	for h, want := range map[string]string{
		"Cache-Control":          "no-store",
		"X-Robots-Tag":           "noindex, nofollow",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	m := regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9]+)'; style-src 'nonce-([A-Za-z0-9]+)'`).FindStringSubmatch(csp)
	if m == nil || m[1] != m[2] || len(m[1]) < 16 {
		t.Fatalf("CSP %q: want script-src and style-src by one nonce", csp)
	}
	for _, d := range []string{"default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %s", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows unsafe sources", csp)
	}
	if !strings.Contains(body, `<style nonce="`+m[1]+`">`) {
		t.Errorf("inline style does not carry the nonce %s", m[1])
	}
	return m[1]
}

func TestPageEscapesCarrierText(t *testing.T) {
	v := inTransit()
	v.Timeline[1].Description = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	v.Shipments[0].LastLocation.City = `"><b>Kaunas`
	rec := httptest.NewRecorder()
	newPage(newOrders(token, v), nil).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/track/"+token, nil))
	raw := rec.Body.String()
	for _, bad := range []string{"<script>alert", "<img", "<b>Kaunas"} {
		if strings.Contains(raw, bad) {
			t.Errorf("carrier text %q reached the page unescaped", bad)
		}
	}
	if !strings.Contains(raw, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("carrier description not shown escaped")
	}
}
