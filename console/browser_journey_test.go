package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/worker"
)

// A member of staff's day in Chromium, on real Postgres and Temporal: a page without a session
// sends them to sign-in; signed in, they find an order by the customer's email, resolve its
// exception, create a webhook endpoint, send it a test event, see the delivery fail, and retry
// it until it is delivered. A form posted without the session's CSRF token is refused.
func TestConsoleJourneyInBrowser(t *testing.T) {
	pool := testenv.DB(t)
	sender := &outbound.Sender{Policy: loopback, Timeout: 5 * time.Second, Secrets: testenv.SecretCodec(t)}
	api := &outbound.API{DB: pool, Policy: loopback, Sender: sender, Secrets: sender.Secrets}
	c, tq := testenv.Temporal(t), testenv.TaskQueue(t)
	api.Deliveries = outbound.Deliveries{Client: c, TaskQueue: tq}
	testenv.StartWorker(t, worker.New(c, tq, worker.Deps{DB: pool, Notifier: silent{}, Escalator: silent{}, Webhooks: sender}, nil))
	l := newLive(t, func(con *console.Console) { con.Webhooks, con.Inbox = api, inbox.New(pool) })

	id := orderID(t)
	l.startOrder(id)
	email := strings.ToLower(id) + "@example.com"
	if _, err := pool.Exec(t.Context(), `UPDATE orders SET customer = jsonb_set(customer, '{email}', to_jsonb($2::text)) WHERE order_id = $1`, id, email); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t)
	rcv.failing.Store(true)

	ctx := startChromium(t)
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}

	step("open the orders without a session", chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(l.url+"/console/orders"), chromedp.WaitVisible(chromedp.ID("token")))
	if where := eval("where", `location.pathname`); where != "/console/sign-in" {
		t.Fatalf("without a session the orders page went to %s, want the sign-in form", where)
	}
	step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("q")))

	// The unfiltered list may already show the order: gone, the link found is the search's.
	eval("clear the list", `document.querySelector("main table")?.remove(); "ok"`)
	step("find the order by email", chromedp.SendKeys(chromedp.ID("q"), email), chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.CSS(`main table a[href="/console/orders/`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`main table a[href="/console/orders/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.ID("note")))

	step("resolve its exception", chromedp.SendKeys(chromedp.ID("note"), "Called DPD: re-routed to the pickup point"),
		chromedp.Submit(chromedp.ID("note")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	l.waitFor(id, "the exception resolved", func(v order.View) bool { return v.Exception == nil })

	// Posted by anything but the console's own pages, a form carries no CSRF token.
	status := eval("a form without its token", `fetch("/console/orders/`+id+`/resolve", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "note=forged"}).then(r => String(r.status))`)
	if status != "403" {
		t.Errorf("a form without the CSRF token answered %s, want 403", status)
	}

	step("create an endpoint", chromedp.Navigate(l.url+"/console/webhooks/new?kind=webhook"),
		chromedp.WaitVisible(chromedp.ID("url")), chromedp.SendKeys(chromedp.ID("url"), rcv.URL+"/erp"),
		chromedp.SendKeys(chromedp.ID("description"), "Warehouse ERP"), chromedp.Submit(chromedp.ID("url")),
		chromedp.WaitVisible(chromedp.ID("secret")))
	step("send a test event", chromedp.Click(chromedp.CSS(".secret ~ p a.button")),
		chromedp.WaitVisible(chromedp.ID("event_type")),
		chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)), chromedp.WaitVisible(chromedp.CSS("ol.attempts")))
	if attempt := eval("the attempt", `document.querySelector("ol.attempts li").textContent`); !strings.Contains(attempt, "500") {
		t.Fatalf("the failed test's attempt reads %q, want the receiver's 500", attempt)
	}

	rcv.failing.Store(false)
	endpoint := strings.TrimPrefix(eval("the endpoint", `location.pathname`), "/console/webhooks/")
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, endpoint) })
	// The test's notice is still on the page: gone, the next notice can only be the retry's, so
	// the retry's navigation has ended before the next one starts.
	eval("clear the notice", `document.querySelector("p.notice").remove(); "ok"`)
	step("retry the failed delivery", chromedp.Click(chromedp.CSS(`form[action*="/deliveries/"][action$="/retry"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")))
	// The retry runs in a WebhookDelivery workflow; under a full test run the engine may take a
	// while to get to it.
	testenv.Eventually(t, 90*time.Second, func() bool {
		step("reload", chromedp.Navigate(l.url+"/console/webhooks/"+endpoint+"?status=delivered"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		return strings.Contains(eval("the delivered tab", `document.querySelector("main").textContent`), "204")
	}, "the retried delivery never showed as delivered")
}
