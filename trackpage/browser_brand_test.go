package trackpage

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// logoSVG is the test shop's logo, served from its own https origin as a CDN would.
const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="220" height="40" viewBox="0 0 220 40">` +
	`<rect width="40" height="40" rx="8" fill="#fde047"/><path d="M10 26c6-10 14-10 20 0" stroke="#0f766e" stroke-width="4" fill="none"/>` +
	`<text x="50" y="27" font-family="Georgia,serif" font-size="20" font-weight="700" fill="#ffffff">Ona's Shoes</text></svg>`

// TestBrandInBrowser shows the merchant's brand, the carrier's own link, proof of delivery,
// shipflow's estimate and the lookup form in Chromium: the logo loads from its origin under
// the page's CSP, the colours apply, the carrier link leads to the carrier, the delivered
// parcel tells where it was left and who signed and links its photo (which the page does not
// load), the parcel on its way says its date is an estimate, and the form, with scripts off,
// leads to the tracking page. With SHIPFLOW_SCREENSHOTS=dir it also saves the screenshots the
// README shows.
func TestBrandInBrowser(t *testing.T) {
	cdn := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		if r.URL.Path == podPath {
			w.Write([]byte(podSVG))
			return
		}
		w.Write([]byte(logoSVG))
	}))
	t.Cleanup(cdn.Close)
	b := shop
	b.LogoURL = cdn.URL + "/logo.svg"
	photo := cdn.URL + podPath

	orders := newOrders(token, splitWithProof(photo))
	p := newPage(orders, newUpdates())
	p.Brand = b
	fc := &fakeContacts{m: map[string]Contacts{"1042": {Token: token, Email: "ona.petraite@example.lt", PostalCode: "LT-01103", Country: "LT"}}}
	f := &Form{Orders: fc, Brand: b}
	mux := http.NewServeMux()
	mux.Handle("/track/", p.Handler())
	mux.Handle(FormRoute, f.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	shots := os.Getenv("SHIPFLOW_SCREENSHOTS")

	// The test CDN's certificate is its own; nothing else is fetched.
	ctx := browser(t, chromedp.Flag("ignore-certificate-errors", true))
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	t.Run("tracking page", func(t *testing.T) {
		for _, size := range []struct {
			name          string
			width, height int64
		}{{"desktop", 1280, 900}, {"phone", 412, 900}} {
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(size.width, size.height),
				chromedp.Navigate(srv.URL+"/track/"+token),
				chromedp.WaitVisible(chromedp.ID("status")),
			); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("img.logo").complete && document.querySelector("img.logo").naturalWidth > 0`,
				chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				t.Fatalf("%s: the logo never loaded: %v", size.name, err)
			}
			header, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.site")).backgroundColor`))
			if err != nil || header != "rgb(15, 118, 110)" {
				t.Errorf("%s: header colour %q (%v), want the brand's #0f766e", size.name, header, err)
			}
			button, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".carrier-link a")).backgroundColor + " " + getComputedStyle(document.querySelector(".carrier-link a")).color`))
			if err != nil || button != "rgb(253, 224, 71) rgb(17, 24, 39)" {
				t.Errorf("%s: carrier button %q (%v), want the accent with dark text", size.name, button, err)
			}
			links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".carrier-link a")].map(a => a.textContent + " " + a.href)`))
			if err != nil || len(links) != 2 || links[0] != "Track with DPD https://tracking.dpd.de/status/en_US/parcel/05809023456789" ||
				!strings.HasPrefix(links[1], "Track with Omniva https://www.omniva.lt/") {
				t.Errorf("%s: carrier links %q (%v)", size.name, links, err)
			}
			for sel, want := range map[string]string{
				"#package-1 ~ .when.estimated": "Estimated delivery on Tuesday, May 12",
				"#package-2 ~ .when":           "Delivered yesterday at 4:15 PM",
				".proof-place":                 "Left at your front door",
				".proof-signer":                "Signed for by Ona P.",
				".proof-photo a":               "See the delivery photo",
			} {
				got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
				if err != nil || got != want {
					t.Errorf("%s: %s %q (%v), want %q", size.name, sel, got, err, want)
				}
			}
			pod, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(a => [a.href, a.rel])(document.querySelector(".proof-photo a"))`))
			if err != nil || len(pod) != 2 || pod[0] != photo || pod[1] != "noopener noreferrer" {
				t.Errorf("%s: photo link %q (%v), want %s with rel noopener noreferrer", size.name, pod, err, photo)
			}
			// The photo is a link: the page itself never fetches it.
			fetched, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`))
			if err != nil || slices.Contains(fetched, photo) {
				t.Errorf("%s: the page loaded the delivery photo (%q, %v)", size.name, fetched, err)
			}
			footer, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".site-footer")))
			if err != nil || !strings.Contains(footer, "help@shop.example") || !strings.Contains(footer, "+370 600 12345") {
				t.Errorf("%s: footer %q (%v)", size.name, footer, err)
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
			if err != nil || overflow {
				t.Errorf("%s: page scrolls sideways (%v)", size.name, err)
			}
			if shots != "" {
				shot(t, ctx, filepath.Join(shots, "tracking-page-"+size.name+".png"))
			}
		}
	})

	t.Run("the delivery photo opens", func(t *testing.T) {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/track/"+token),
			chromedp.WaitVisible(chromedp.CSS(".proof-photo a")),
			chromedp.Click(chromedp.CSS(".proof-photo a")),
			chromedp.WaitReady(chromedp.CSS("svg")),
		); err != nil {
			t.Fatal(err)
		}
		url, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || url != photo {
			t.Errorf("the photo link led to %q (%v), want %s", url, err, photo)
		}
	})

	t.Run("lookup form (it has no script)", func(t *testing.T) {
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(srv.URL+FormRoute),
			chromedp.WaitVisible(chromedp.ID("order")),
			chromedp.SendKeys(chromedp.ID("order"), "1042"),
			chromedp.SendKeys(chromedp.ID("contact"), "someone@example.lt"),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".message")),
		); err != nil {
			t.Fatal(err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".message")))
		if err != nil || !strings.Contains(msg, "We could not find an order with those details") {
			t.Errorf("a miss says %q (%v)", msg, err)
		}
		if shots != "" {
			shot(t, ctx, filepath.Join(shots, "lookup-form.png"))
		}
		if err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+FormRoute),
			chromedp.WaitVisible(chromedp.ID("order")),
			chromedp.SendKeys(chromedp.ID("order"), "#1042"),
			chromedp.SendKeys(chromedp.ID("contact"), "LT-01103"),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("status")),
		); err != nil {
			t.Fatal(err)
		}
		url, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || url != srv.URL+"/track/"+token {
			t.Errorf("a match led to %q (%v), want the tracking page", url, err)
		}
	})
}

// shot saves the whole page as a PNG.
func shot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
