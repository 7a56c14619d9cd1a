package googlechat_test

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/googlechat"
)

var update = flag.Bool("update", false, "rewrite the testdata payload fixtures")

func raised() escalate.Alert {
	return escalate.Alert{
		OrderID:        "ord_1001",
		Reason:         "carrier_exception",
		Message:        "Carrier reports <address unknown> & returns the parcel.",
		Carrier:        "DHL",
		TrackingNumber: "JD014600006245411111",
		TrackingURL:    "https://track.shipflow.example/JD014600006245411111",
		OrderURL:       "https://shipflow.example/orders/ord_1001",
		Level:          1,
	}
}

func escalated() escalate.Alert {
	a := raised()
	a.Level = 2
	return a
}

func resolved() escalate.Alert {
	a := escalated()
	a.Resolved, a.Resolution = true, "order_closed"
	return a
}

func newAlerter(url string) *googlechat.Alerter {
	return googlechat.New(url, &http.Client{Timeout: 5 * time.Second})
}

func TestName(t *testing.T) {
	if n := googlechat.New("", nil).Name(); n != "google_chat" {
		t.Errorf("Name() = %q", n)
	}
}

func TestAlertLifecycleInOneThread(t *testing.T) {
	g := escalatetest.NewGoogleChat(t)
	a := newAlerter(g.WebhookURL())
	other := raised()
	other.OrderID = "ord_2002"
	for _, al := range []escalate.Alert{raised(), other, escalated(), resolved()} {
		if err := a.Alert(t.Context(), al); err != nil {
			t.Fatalf("Alert(order %s, level %d, resolved %t): %v", al.OrderID, al.Level, al.Resolved, err)
		}
	}
	msgs := g.Messages()
	if len(msgs) != 4 {
		t.Fatalf("Chat got %d messages, want 4", len(msgs))
	}
	r, o, e, d := msgs[0], msgs[1], msgs[2], msgs[3]
	escalatetest.Golden(t, "raised.json", r.Raw, *update)
	escalatetest.Golden(t, "escalated.json", e.Raw, *update)
	escalatetest.Golden(t, "resolved.json", d.Raw, *update)

	if r.ReplyOption != "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD" || r.ThreadKey != "order-ord_1001" {
		t.Errorf("raised: reply option %q, thread key %q", r.ReplyOption, r.ThreadKey)
	}
	if e.Thread != r.Thread || d.Thread != r.Thread {
		t.Errorf("threads %q, %q, %q: want one thread for the order", r.Thread, e.Thread, d.Thread)
	}
	if o.Thread == r.Thread || o.ThreadKey != "order-ord_2002" {
		t.Errorf("another order went to thread %q (key %q), want its own", o.Thread, o.ThreadKey)
	}

	wantFields := []escalatetest.Fact{{Label: "Order", Value: "ord_1001"}, {Label: "Reason", Value: "carrier_exception"}, {Label: "Carrier", Value: "DHL"}, {Label: "Tracking number", Value: "JD014600006245411111"}}
	for i, m := range []escalatetest.GoogleChatMessage{r, e, d} {
		if len(m.Fields) != len(wantFields) {
			t.Errorf("message %d fields %+v, want %+v", i, m.Fields, wantFields)
			continue
		}
		for j := range wantFields {
			if m.Fields[j] != wantFields[j] {
				t.Errorf("message %d field %d = %+v, want %+v", i, j, m.Fields[j], wantFields[j])
			}
		}
		if len(m.Buttons) != 2 || m.Buttons[0].URL != raised().TrackingURL || m.Buttons[1].URL != raised().OrderURL {
			t.Errorf("message %d buttons %+v, want tracking page and order", i, m.Buttons)
		}
	}
	if !strings.HasPrefix(r.Title, "⚠️ Order ord_1001") || r.Text != r.Title || r.Buttons[1].Style != "" {
		t.Errorf("raised: text %q title %q buttons %+v", r.Text, r.Title, r.Buttons)
	}
	// Card text is HTML to Chat: the exception's text must arrive escaped.
	if r.Paragraphs[0] != "Carrier reports &lt;address unknown&gt; &amp; returns the parcel." {
		t.Errorf("raised: paragraph %q not escaped", r.Paragraphs[0])
	}
	if !strings.Contains(e.Title, "SLA breached, level 2") || !strings.Contains(e.Paragraphs[0], "<b>SLA breached</b>") ||
		e.Buttons[1].Style != "filled" {
		t.Errorf("escalated: title %q paragraphs %q buttons %+v: want the SLA breach marked red", e.Title, e.Paragraphs, e.Buttons)
	}
	if !strings.HasPrefix(d.Title, "✅ Resolved") || d.Subtitle != "Resolution: the order was closed" ||
		!strings.HasPrefix(d.Paragraphs[0], "<b>Resolution:</b> the order was closed") {
		t.Errorf("resolved: title %q subtitle %q paragraphs %q: want the resolution stated", d.Title, d.Subtitle, d.Paragraphs)
	}
}

func TestWebhookURLKeepsSecretsAndReplyOption(t *testing.T) {
	g := escalatetest.NewGoogleChat(t)
	// Chat's URL ends in an escaped token; it must reach Chat exactly as given.
	if err := newAlerter(g.WebhookURL()).Alert(t.Context(), raised()); err != nil {
		t.Fatalf("Alert: %v", err)
	}
	// An operator who chose a reply option keeps it.
	if err := newAlerter(g.WebhookURL()+"&messageReplyOption=REPLY_MESSAGE_OR_FAIL").Alert(t.Context(), raised()); err != nil {
		t.Fatalf("Alert with a reply option: %v", err)
	}
	msgs := g.Messages()
	if msgs[0].ReplyOption != "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD" || msgs[1].ReplyOption != "REPLY_MESSAGE_OR_FAIL" {
		t.Errorf("reply options %q, %q", msgs[0].ReplyOption, msgs[1].ReplyOption)
	}
}

func TestAlertErrors(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
		code      string
		wait      time.Duration
	}{
		{http.StatusBadRequest, true, "INVALID_ARGUMENT", 0},
		{http.StatusUnauthorized, true, "UNAUTHENTICATED", 0},
		{http.StatusForbidden, true, "PERMISSION_DENIED", 0},
		{http.StatusNotFound, true, "NOT_FOUND", 0},
		{http.StatusTooManyRequests, false, "", time.Second},
		{http.StatusInternalServerError, false, "", 0},
		{http.StatusServiceUnavailable, false, "", time.Second},
	} {
		g := escalatetest.NewGoogleChat(t)
		g.FailNext(1, tc.status)
		err := newAlerter(g.WebhookURL()).Alert(t.Context(), raised())
		if err == nil {
			t.Errorf("%d: no error", tc.status)
			continue
		}
		if escalate.IsPermanent(err) != tc.permanent {
			t.Errorf("%d: IsPermanent = %t, want %t (%v)", tc.status, !tc.permanent, tc.permanent, err)
		}
		var pe *escalate.PermanentError
		if tc.permanent && (!errors.As(err, &pe) || pe.Code != tc.code) {
			t.Errorf("%d: error %v, want code %q", tc.status, err, tc.code)
		}
		if wait, ok := escalate.RetryAfter(err); wait != tc.wait || ok != (tc.wait > 0) {
			t.Errorf("%d: RetryAfter = %s, %t, want %s", tc.status, wait, ok, tc.wait)
		}
		assertNoSecret(t, err, g.WebhookURL())
	}
}

func TestAlertRevokedToken(t *testing.T) {
	g := escalatetest.NewGoogleChat(t)
	revoked := strings.Replace(g.WebhookURL(), "token=", "token=old", 1)
	err := newAlerter(revoked).Alert(t.Context(), raised())
	if !escalate.IsPermanent(err) {
		t.Fatalf("Alert with a revoked token: %v, want permanent", err)
	}
	assertNoSecret(t, err, revoked)
}

func TestAlertNetworkFailureIsRetryable(t *testing.T) {
	g := escalatetest.NewGoogleChat(t)
	url := g.WebhookURL()
	g.Close()
	err := newAlerter(url).Alert(t.Context(), raised())
	if err == nil || escalate.IsPermanent(err) {
		t.Fatalf("Alert to a closed server: %v, want a retryable error", err)
	}
	assertNoSecret(t, err, url)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := newAlerter(url).Alert(ctx, raised()); !errors.Is(err, context.Canceled) || escalate.IsPermanent(err) {
		t.Errorf("Alert with a canceled context: %v, want retryable context.Canceled", err)
	}
}

func TestAlertMisconfigured(t *testing.T) {
	for _, u := range []string{"", "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t\x7f"} {
		err := newAlerter(u).Alert(t.Context(), raised())
		if !escalate.IsPermanent(err) {
			t.Errorf("webhook URL %q: %v, want a permanent error", u, err)
		}
		if u != "" && strings.Contains(err.Error(), "token=") {
			t.Errorf("error %q shows the webhook URL", err)
		}
	}
}

// assertNoSecret fails when err shows the webhook's key or token.
func assertNoSecret(t *testing.T, err error, webhookURL string) {
	t.Helper()
	u, perr := url.Parse(webhookURL)
	if perr != nil {
		t.Fatal(perr)
	}
	q := u.Query()
	for _, s := range []string{q.Get("key"), q.Get("token"), url.QueryEscape(q.Get("token"))} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q shows the webhook's secrets", err)
		}
	}
}
