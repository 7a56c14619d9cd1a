package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

// The /track form against the read model in Postgres: the email or the postal code on the
// order leads to its tracking page, anything else gets one neutral answer, and both limits
// refuse with the 429 page before the database is asked.
func TestLookupForm(t *testing.T) {
	ls := newLimitServer(t, map[string]string{
		"SHIPFLOW_TRACKING_SECRET":         "lookup-test-secret",
		"SHIPFLOW_RATE_LIMIT_LOOKUP":       "0.001:6",
		"SHIPFLOW_RATE_LIMIT_LOOKUP_ORDER": "0.001:3",
		"SHIPFLOW_BRAND_NAME":              "Ona's Shoes",
	})
	id := uniqueLookupID(t)
	token := tracklink.Token("lookup-test-secret", id)
	now := time.Now().UTC()
	if _, err := db.SaveOrder(context.Background(), ls.db, db.Snapshot{Revision: 1, TrackingToken: token, View: order.View{
		OrderID: id, Status: order.StatusCreated, CreatedAt: now, UpdatedAt: now,
		Customer:        order.Customer{Name: "Ona Petraitė", Email: "ona@example.lt", Locale: "en"},
		ShippingAddress: &order.Address{City: "Vilnius", PostalCode: "LT-01103", Country: "LT"},
	}}); err != nil {
		t.Fatal(err)
	}
	form := func(number, contact string) (*http.Response, string) {
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}}
		return ls.call(t, http.MethodPost, "/track", h, strings.NewReader(url.Values{"order": {number}, "contact": {contact}}.Encode()))
	}
	noRedirect(t)

	if resp, body := ls.call(t, http.MethodGet, "/track", nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Track your order") ||
		!strings.Contains(body, "Ona&#39;s Shoes") {
		t.Fatalf("GET /track: %d %s", resp.StatusCode, body)
	}
	if resp, _ := form(id, "ONA@example.lt"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/track/"+token {
		t.Errorf("email: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := form(id, "01103"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/track/"+token {
		t.Errorf("postal code: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The order's third try this minute is a miss; the fourth is refused before the store.
	if resp, body := form(id, "LT-99999"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "could not find an order") {
		t.Errorf("wrong postal code: %d %s", resp.StatusCode, body)
	}
	resp, body := form(id, "ona@example.lt")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "Too many tries for this order") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the order's limit: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// Another order number still has its own budget; the client's is then spent (6 with the GET).
	if resp, body := form("no-such-order", "ona@example.lt"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "could not find an order") {
		t.Errorf("unknown order: %d %s", resp.StatusCode, body)
	}
	resp, body = form("another-order", "ona@example.lt")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many requests") {
		t.Errorf("over the client's limit: %d %s", resp.StatusCode, body)
	}
}

func TestLookupFormOffWithoutTrackingSecret(t *testing.T) {
	ls := newLimitServer(t, nil)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if resp, body := ls.call(t, m, "/track", nil, nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Order lookup is not available") {
			t.Errorf("%s /track without a tracking secret: %d %s, want the 404 page", m, resp.StatusCode, body)
		}
	}
}

func uniqueLookupID(t *testing.T) string {
	return "lookup-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + time.Now().Format("150405.000000")
}

// noRedirect makes http.DefaultClient hand back redirects for the test's length.
func noRedirect(t *testing.T) {
	prev := http.DefaultClient.CheckRedirect
	http.DefaultClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() { http.DefaultClient.CheckRedirect = prev })
}
