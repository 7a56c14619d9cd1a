package console_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/outbound"
)

// chromiumBin is Debian's Chromium, as the tracking page's browser test uses it.
const chromiumBin = "/usr/bin/chromium"

// startChromium starts a headless Chromium for the test and returns its context.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumBin); err != nil {
		t.Fatalf("the console's browser test needs Chromium at %s (%v): apt-get install -y chromium", chromiumBin, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumBin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumBin, err)
	}
	return ctx
}

// In a browser, a person signs in, creates a webhook from the form, copies its secret, sends
// a test event and sees its delivery; the webhooks list, an endpoint's page and the inbox fit
// a phone's width and a desktop's, under the CSP. With SHIPFLOW_CONSOLE_SHOTS set to a
// directory, each page is saved there at both widths.
func TestWebhookPagesInBrowser(t *testing.T) {
	h := newHooks(t, false)
	rcv := newReceiver(t)
	stored(t, inbox.New(h.pool))
	ctx := startChromium(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(h.url+"/console/sign-in"),
		chromedp.SendKeys(chromedp.ID("token"), adminToken),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("header.bar")),
		chromedp.Navigate(h.url+"/console/webhooks/new"),
		chromedp.Click(chromedp.CSS(`a[href="/console/webhooks/new?kind=webhook"]`)),
		chromedp.WaitVisible(chromedp.ID("url")),
		chromedp.SendKeys(chromedp.ID("url"), rcv.URL+"/orders"),
		chromedp.SendKeys(chromedp.ID("description"), "Warehouse ERP"),
		chromedp.Click(chromedp.CSS(`input[name=type][value="order.shipped"]`)),
		chromedp.SendKeys(chromedp.ID("header-name-0"), "Authorization"),
		chromedp.SendKeys(chromedp.ID("header-value-0"), "Bearer erp-gateway-token"),
		chromedp.Submit(chromedp.ID("url")),
		chromedp.WaitVisible(chromedp.ID("secret")),
	); err != nil {
		t.Fatal(err)
	}
	secret, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("secret").value`))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret on the page: %q (%v)", secret, err)
	}
	dir := os.Getenv("SHIPFLOW_CONSOLE_SHOTS")
	if dir != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "secret-1280.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".secret ~ p a.button")),
		chromedp.WaitVisible(chromedp.ID("event_type")),
		chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)),
		chromedp.WaitVisible(chromedp.CSS("ol.attempts")),
	); err != nil {
		t.Fatal(err)
	}
	attempt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.attempts li")))
	if err != nil || !strings.Contains(attempt, "204") {
		t.Fatalf("the test's attempt reads %q (%v)", attempt, err)
	}
	where, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimPrefix(where, "/console/webhooks/")
	if e, err := openedEndpoint(t, h.pool, id); err != nil || e.Secret != secret || e.Headers["Authorization"] != "Bearer erp-gateway-token" {
		t.Fatalf("the endpoint the browser made: %+v (%v)", e, err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), h.pool, id) })
	// A failed delivery, for the page to show one of each.
	rcv.failing.Store(true)
	h.submit("/console/webhooks/"+id+"/test", url.Values{"event_type": {"shipment.exception"}})

	for _, width := range []int64{412, 1280} {
		for name, path := range map[string]string{"webhooks": "/console/webhooks", "webhook": "/console/webhooks/" + id,
			"inbox": "/console/inbox?status=waiting", "kinds": "/console/webhooks/new", "edit": "/console/webhooks/" + id + "/edit",
			"connector": "/console/webhooks/new?kind=salesforce", "delete": "/console/webhooks/" + id + "/delete"} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(h.url+path), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
				t.Fatal(err)
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
			if err != nil || overflow {
				t.Errorf("%s scrolls sideways at %d px (%v)", path, width, err)
			}
			// The stylesheet applied (its nonce let it through) and console.js localised the dates.
			styled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
				`getComputedStyle(document.querySelector("header.bar")).display === "flex" &&
				[...document.querySelectorAll("time")].every(t => !t.textContent.endsWith("UTC"))`))
			if err != nil || !styled {
				t.Errorf("%s at %d px: the stylesheet or the script did not run (%v)", path, width, err)
			}
			if dir == "" {
				continue
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-"+strconv.FormatInt(width, 10)+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
