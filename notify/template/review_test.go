package template

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

func TestReviewLink(t *testing.T) {
	tests := []struct{ pattern, id, want string }{
		{"", "ord_1", ""},
		{"https://shop.example.com/review", "ord_1", "https://shop.example.com/review"},
		{"https://shop.example.com/review/{order_id}", "ord_1042", "https://shop.example.com/review/ord_1042"},
		{"https://shop.example.com/r?order={order_id}&src=shipflow", "#1042", "https://shop.example.com/r?order=%231042&src=shipflow"},
		{"https://shop.example.com/r/{order_id}", "a/b c+d&e=f?g#h%", "https://shop.example.com/r/a%2Fb%20c%2Bd%26e%3Df%3Fg%23h%25"},
		{"https://shop.example.com/{order_id}/{order_id}", "x.y~z", "https://shop.example.com/x.y~z/x.y~z"},
	}
	for _, tt := range tests {
		if got := ReviewLink(tt.pattern, tt.id); got != tt.want {
			t.Errorf("ReviewLink(%q, %q) = %q, want %q", tt.pattern, tt.id, got, tt.want)
		}
	}
}

func TestCheckReviewURL(t *testing.T) {
	good := []string{"", "https://shop.example.com/review", "http://localhost:8080/r?o={order_id}",
		"https://shop.example.com/review/{order_id}#form"}
	for _, p := range good {
		if err := CheckReviewURL(p); err != nil {
			t.Errorf("CheckReviewURL(%q) = %v, want nil", p, err)
		}
	}
	bad := map[string]string{
		"shop.example.com/review":                              "absolute http(s)",
		"/review/{order_id}":                                   "absolute http(s)",
		"javascript:alert(1)":                                  "absolute http(s)",
		"ftp://shop.example.com/{order_id}":                    "absolute http(s)",
		"https://{order_id}.example.com/review":                "only be in the path",
		"https://shop.example.com/r/{order}":                   "brace",
		"https://shop.example.com/r/{ORDER_ID}":                "brace",
		"https://shop.example.com/r/ {order_id}":               "printable ASCII",
		"https://shop.example.com/r/\x00":                      "printable ASCII",
		"https://shop.example.com/r/ą":                         "printable ASCII",
		"https://u:p@shop.example.com/{order_id}":              "user name",
		"https://shop.example.com/" + strings.Repeat("r", 600): "at most",
	}
	for p, want := range bad {
		if err := CheckReviewURL(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckReviewURL(%q) = %v, want an error containing %q", p, err, want)
		}
	}
}

// TestReviewRequestCarriesTheLink renders the review request the way the notify service fills
// it, on every channel in both languages: the link is there, the order id escaped once, and
// without a link the message still reads as a thank-you.
func TestReviewRequestCarriesTheLink(t *testing.T) {
	s := defaultTemplates(t)
	const want = "https://shop.example.com/r?order=%231042%20b&src=shipflow"
	for _, locale := range []string{"en", "lt"} {
		for _, ch := range channels {
			d := fixture(locale, 1)
			d.Milestone = order.MilestoneReviewRequest
			d.OrderID = "#1042 b"
			d.ReviewURL = ReviewLink("https://shop.example.com/r?order={order_id}&src=shipflow", d.OrderID)
			r, err := s.Render(ch, order.MilestoneReviewRequest, d)
			if err != nil {
				t.Fatalf("%s %s: %v", locale, ch, err)
			}
			// A push notification opens the link when tapped (notify.Message.URL); its text
			// only invites the tap.
			if ch != order.ChannelPush && !strings.Contains(r.Text, want) {
				t.Errorf("%s %s: text has no review link %s:\n%s", locale, ch, want, r.Text)
			}
			if ch == order.ChannelEmail && !strings.Contains(r.HTML, `href="`+html.EscapeString(want)+`"`) {
				t.Errorf("%s email: HTML has no review button to %s:\n%s", locale, want, r.HTML)
			}

			d.ReviewURL = ""
			r, err = s.Render(ch, order.MilestoneReviewRequest, d)
			if err != nil {
				t.Fatalf("%s %s without a link: %v", locale, ch, err)
			}
			checkRendered(t, locale+" "+string(ch)+" without a link", ch, r, true)
			if strings.Contains(r.Text+r.HTML, "shop.example.com") {
				t.Errorf("%s %s: a link without SHIPFLOW_REVIEW_URL:\n%s", locale, ch, r.Text)
			}
		}
	}
}

// FuzzReviewLink: whatever the order id, a link made from an accepted pattern goes to the
// pattern's site, and the id comes back whole from the query.
func FuzzReviewLink(f *testing.F) {
	f.Add("https://shop.example.com/r?order={order_id}", "#1042")
	f.Add("https://shop.example.com/r?order={order_id}", "a&order=evil")
	f.Add("https://shop.example.com/r?order={order_id}", "x#frag/../?q= +%")
	f.Add("https://{order_id}.example.com/", "evil.com/")
	f.Add("http://h/{order_id}?order={order_id}", "\x00\r\n\u202e")
	f.Fuzz(func(t *testing.T, pattern, id string) {
		if CheckReviewURL(pattern) != nil {
			return
		}
		link := ReviewLink(pattern, id)
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("ReviewLink(%q, %q) = %q: %v", pattern, id, link, err)
		}
		base, _ := url.Parse(ReviewLink(pattern, ""))
		if u.Scheme != base.Scheme || u.Host != base.Host {
			t.Fatalf("ReviewLink(%q, %q) = %q leaves the site %s", pattern, id, link, base.Host)
		}
		for i := range len(link) {
			if c := link[i]; c <= ' ' || c > '~' {
				t.Fatalf("ReviewLink(%q, %q) = %q has byte 0x%02x", pattern, id, link, c)
			}
		}
		if strings.HasPrefix(pattern, "https://shop.example.com/r?order="+ReviewPlaceholder) && !strings.Contains(pattern[len("https://shop.example.com/r?order="+ReviewPlaceholder):], "{") {
			if got := u.Query().Get("order"); got != id {
				t.Fatalf("order id %q came back as %q from %q", id, got, link)
			}
		}
	})
}
