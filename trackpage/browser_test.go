package trackpage

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which CI installs with
// `apt-get install -y chromium`.
const chromiumPath = "/usr/bin/chromium"

// browser starts a headless Chromium for the test and returns its context.
// extra flags are added to the test's usual ones.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("TestPageInBrowser needs Chromium at %s (%v): install Debian's chromium package: "+
			"apt-get update && apt-get install -y chromium", chromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// This machine's network is closed: nothing may phone home.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser with a context that has no deadline (its life is
	// bound to it), then give each step its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return ctx
}

func TestPageInBrowser(t *testing.T) {
	orders, updates := newOrders(token, inTransit()), newUpdates()
	srv, _ := served(t, newPage(orders, updates))
	url := srv.URL + "/track/" + token

	t.Run("live update at a phone's size", func(t *testing.T) {
		ctx := browser(t)
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
			chromedp.Navigate(url),
			chromedp.WaitVisible(chromedp.ID("status")),
		); err != nil {
			t.Fatal(err)
		}
		status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
		if err != nil || status != "On its way" {
			t.Fatalf("status %q (%v), want On its way", status, err)
		}
		// Readable on a phone: nothing wider than the screen.
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil || overflow {
			t.Errorf("page scrolls sideways at 390 px (%v)", err)
		}
		// The inline stylesheet applies: the CSP lets its nonce through.
		radius, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`getComputedStyle(document.querySelector(".card")).borderTopLeftRadius`))
		if err != nil || radius != "12px" {
			t.Errorf("card corner %q (%v): the page's style did not apply", radius, err)
		}
		// Mark this document, so a reload would show as a lost mark.
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`)); err != nil {
			t.Fatal(err)
		}

		select { // the page's script has opened the events stream
		case <-updates.subscribed:
		case <-ctx.Done():
			t.Fatal("the page never subscribed to updates")
		}
		orders.set(token, delivered())
		updates.signal("1042")

		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
			`document.getElementById("status").textContent === "Delivered"`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.ID("order")))
			t.Fatalf("page never showed Delivered: %v\n%s", err, html)
		}
		same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded === true`))
		if err != nil || !same {
			t.Errorf("the page reloaded to show the update (%v)", err)
		}
		when, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".when")))
		if err != nil || when != "Delivered today at 9:30 AM" {
			t.Errorf("delivery line %q (%v)", when, err)
		}
		said, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("live").textContent`))
		if err != nil || said != "Status updated: Delivered" {
			t.Errorf("screen readers told %q (%v), want the new status", said, err)
		}
	})

	t.Run("without JavaScript", func(t *testing.T) {
		orders.set(token, inTransit())
		ctx := browser(t, chromedp.Flag("blink-settings", "scriptEnabled=false"))
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
			emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile),
			chromedp.Navigate(url),
			chromedp.WaitVisible(chromedp.ID("status")),
		); err != nil {
			t.Fatal(err)
		}
		for sel, want := range map[string]string{
			"#status":     "On its way",
			".when":       "Arrives tomorrow by 5:00 PM",
			".last-place": "Kaunas, LT",
			".timeline":   "Departed sorting centre",
			".hint":       "Reload this page", // a <noscript> element only parses as markup with scripts off
		} {
			got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil || !strings.Contains(got, want) {
				t.Errorf("%s: %q (%v), want %q", sel, got, err, want)
			}
		}
		select {
		case <-updates.subscribed:
			t.Error("the page's script ran with JavaScript off")
		default:
		}
	})
}
