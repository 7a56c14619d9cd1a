package console_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/tokens"
)

// TestScreenshots draws the sign-in form, the orders list, the order page and the exceptions
// queue in Chromium at a phone's width and a laptop's, checks none scrolls sideways, and keeps
// the pictures in $SHIPFLOW_CONSOLE_SHOTS when it is set (for the README, and for looking at
// them).
func TestScreenshots(t *testing.T) {
	// Without a directory to keep them in, the pictures go to a temporary one: the pages are
	// still drawn and checked for sideways scrolling in every run.
	dir := os.Getenv("SHIPFLOW_CONSOLE_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, pool := context.Background(), testenv.DB(t)
	ep, err := outbound.CreateEndpoint(ctx, pool, testenv.SecretCodec(t), "https://subscriber.example/hook", "shots", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, ep.ID) })
	l := newLive(t, func(con *console.Console) { con.SLA = 4 * time.Hour })
	id := "1042-ONA"
	if _, err := inbox.New(pool).Accept(ctx, inbox.Delivery{Source: inbox.SourceAfterShip, EventID: "as-" + id,
		Tracking: []order.TrackingEvent{{ID: "as-" + id, TrackingNumber: id + "-TN", Status: order.ShipmentInTransit, OccurredAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	l.startOrder(id)
	testenv.Eventually(t, 10*time.Second, func() bool { return len(messages(t, id)) >= 2 }, "no messages logged")
	now := time.Now().UTC()
	// A caller's lookup in the order's audit trail, beside the console's own reads.
	vctx := access.WithActor(ctx, access.Actor{Name: "vapi", Via: access.ViaVoice})
	if err := audit.Append(vctx, pool, audit.Entry{Action: audit.ActionVoiceLookup, Subject: id, OrderID: id,
		Detail: map[string]any{"tool": "lookup_shipment_status", "outcome": "verified", "verified": true, "platform": "vapi", "call_id": "call-7f3a"}}); err != nil {
		t.Fatal(err)
	}
	seedException(t, "1017-JONAS", now.Add(-5*time.Hour-20*time.Minute))
	seedException(t, "1033-RUTA", now.Add(-3*time.Hour-10*time.Minute))
	seedTokens(t)

	bctx, cancelRun := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancelRun()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(412, 900), chromedp.Navigate(l.url+"/console/sign-in"), chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
		t.Fatal(err)
	}
	shot(t, bctx, filepath.Join(dir, "signin-412.png"))
	if err := chromedp.Do(bctx,
		chromedp.Navigate(l.url+"/console/sign-in"),
		chromedp.SendKeys(chromedp.ID("token"), adminToken),
		chromedp.Submit(chromedp.ID("token")),
		// The menu, not main: the sign-in page has a main too, and navigating on while the
		// sign-in's own navigation is under way aborts one of them.
		chromedp.WaitVisible(chromedp.CSS("header.bar")),
	); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"orders", "/console/orders"},
		{"order", "/console/orders/" + url.PathEscape(id)},
		{"exceptions", "/console/exceptions"},
		{"tokens", "/console/tokens"},
		{"audit", "/console/audit"},
	} {
		for _, w := range []int64{412, 1280} {
			if err := chromedp.Do(bctx,
				chromedp.EmulateViewport(w, 900),
				chromedp.Navigate(l.url+p.path),
				chromedp.WaitVisible(chromedp.ID("main")),
			); err != nil {
				t.Fatal(err)
			}
			shot(t, bctx, filepath.Join(dir, p.name+"-"+itoa(w)+".png"))
			overflow, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
			if err != nil || overflow {
				t.Errorf("%s scrolls sideways at %d px (%v)", p.name, w, err)
			}
		}
	}
	// A token's text, shown once on the page that answers the form.
	for _, w := range []int64{412, 1280} {
		if err := chromedp.Do(bctx,
			chromedp.EmulateViewport(w, 900),
			chromedp.Navigate(l.url+"/console/tokens"),
			chromedp.SendKeys(chromedp.ID("name"), "zapier-ops-"+itoa(w)),
			chromedp.Click(chromedp.CSS(`input[name=scope][value="webhooks"]`)),
			chromedp.Submit(chromedp.ID("name")),
			chromedp.WaitVisible(chromedp.ID("secret")),
		); err != nil {
			t.Fatal(err)
		}
		shot(t, bctx, filepath.Join(dir, "token-created-"+itoa(w)+".png"))
		overflow, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil || overflow {
			t.Errorf("token-created scrolls sideways at %d px (%v)", w, err)
		}
	}
}

// seedTokens makes the named tokens the tokens page draws: live ones and a revoked one.
func seedTokens(t *testing.T) {
	t.Helper()
	ctx := access.WithActor(context.Background(), access.System("ops-ana"))
	pool := testenv.DB(t)
	for _, tk := range []struct {
		name   string
		scopes []access.Scope
	}{
		{"support-desk", []access.Scope{access.ScopeReadOrders, access.ScopeOperateOrders}},
		{"bi-export", []access.Scope{access.ScopeReadOrders}},
		{"ivr-platform", []access.Scope{access.ScopeVoice, access.ScopeDriver}},
	} {
		tok, secret, err := tokens.Create(ctx, pool, tk.name, tk.scopes)
		if err != nil {
			t.Fatal(err)
		}
		if tk.name == "ivr-platform" {
			if _, err := tokens.Authenticate(ctx, pool, secret, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if tk.name == "bi-export" {
			if _, _, err := tokens.Revoke(ctx, pool, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// shot saves the whole page as a PNG.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
