package trackpage

import (
	"crypto/rand"
	"net/http"
	"strings"
)

// secure sets the headers every tracking response carries and returns the
// nonce that this response's inline style and script must carry.
//
// The page is reached by a secret link and shows an order, so: nothing
// caches it (Cache-Control), search engines do not index it (X-Robots-Tag),
// the link does not leak to other sites in a Referer (Referrer-Policy), and
// the Content-Security-Policy allows only the page's own inline style and
// script (by nonce), its own events stream, images from the brand's logo
// origin only (logoOrigin, "" for none), and no frames, forms, plugins or
// base URL changes, so injected markup could do nothing even if the
// escaping ever failed. A carrier's delivery photo is a link the customer
// follows, never an image the page loads: it needs no img-src, and the
// carrier's host is not in the policy.
func secure(w http.ResponseWriter, logoOrigin string) (nonce string) {
	nonce = rand.Text()
	h := w.Header()
	privateHeaders(h)
	img := "data:"
	if logoOrigin != "" {
		img += " " + logoOrigin
	}
	h.Set("Content-Security-Policy", "default-src 'none'; "+
		"script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; "+
		"connect-src 'self'; img-src "+img+"; "+
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	return nonce
}

// allowForms lets the page post forms to its own origin (the lookup form, the unsubscribe
// confirmation) and nowhere else.
func allowForms(h http.Header) {
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "form-action 'none'", "form-action 'self'", 1))
}

// privateHeaders are the headers of secure that apply to the events
// stream as much as to the page.
func privateHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}
