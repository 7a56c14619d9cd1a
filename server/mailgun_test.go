package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/telemetry"
)

const (
	mailgunKey        = "key-0123456789abcdef0123456789abcdef"
	mailgunDomain     = "mg.shop.example"
	mailgunSigning    = "signing-key-current"
	mailgunOldSigning = "signing-key-before-the-rotation"
)

// mailgunReceipts is the HTTP app and a notify service whose email goes through a Mailgun
// stand-in, so tests send a milestone's email and post Mailgun's signed webhooks about it.
type mailgunReceipts struct {
	e   *echo.Echo
	svc *notify.Service
	mg  *providertest.Mailgun
	// old signs with the previous signing key.
	old *providertest.Mailgun
	log *notify.Log
}

func newMailgunReceipts(t *testing.T) *mailgunReceipts {
	t.Helper()
	mg := providertest.NewMailgun(t, mailgunKey, mailgunDomain, mailgunSigning)
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin", "SHIPFLOW_PUBLIC_URL": publicURL, "SHIPFLOW_TRACKING_SECRET": trackingSecret,
			"MAILGUN_WEBHOOK_SIGNING_KEY": mailgunSigning, "MAILGUN_WEBHOOK_SIGNING_KEY_PREVIOUS": mailgunOldSigning}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := telemetry.NewMetrics()
	log := notify.NewLog(testenv.DB(t))
	e := New(Deps{Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.Logger(t), Metrics: m, Notifications: log})
	set, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	sender := mailgun.New(mailgun.Config{APIKey: mailgunKey, Domain: mailgunDomain, From: "Shop <orders@mg.shop.example>", APIURL: mg.URL()},
		&http.Client{Timeout: 5 * time.Second})
	svc := &notify.Service{Log: log, Templates: set, Logger: testenv.QuietLogger(), PublicURL: publicURL, TrackingSecret: trackingSecret,
		Senders: map[order.Channel]notify.Sender{order.ChannelEmail: sender}}
	return &mailgunReceipts{e: e, svc: svc, mg: mg, old: providertest.NewMailgun(t, mailgunKey, mailgunDomain, mailgunOldSigning), log: log}
}

// send notifies a milestone by email to addr and returns the request and what Mailgun accepted.
func (r *mailgunReceipts) send(t *testing.T, addr string) (notify.Request, providertest.MailgunMessage) {
	t.Helper()
	n := notify.Request{
		OrderID: fmt.Sprintf("mg-%d", time.Now().UnixNano()), Milestone: order.MilestoneShipped, ShipmentID: "S1", Channel: order.ChannelEmail,
		Customer: order.Customer{Name: "Ona", Email: addr, Locale: "en"},
	}
	if err := r.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	msgs := r.mg.Messages()
	return n, msgs[len(msgs)-1]
}

func (r *mailgunReceipts) status(t *testing.T, orderID string) notify.Status {
	t.Helper()
	es, err := r.log.ForOrder(context.Background(), orderID)
	if err != nil || len(es) != 1 {
		t.Fatalf("log: %v %v", es, err)
	}
	return es[0].Status
}

func (r *mailgunReceipts) post(body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/mailgun/events", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec
}

func TestMailgunEmailAndEvents(t *testing.T) {
	r := newMailgunReceipts(t)
	n, m := r.send(t, "ona@example.com")
	// The message as Mailgun took it: the rendered milestone, the one-click unsubscribe
	// headers as h: fields, and user variables that come back with every event.
	if m.To != "ona@example.com" || m.Subject == "" || m.Text == "" || m.HTML == "" ||
		m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || !strings.HasPrefix(m.Headers["List-Unsubscribe"], "<"+publicURL+"/unsubscribe/") {
		t.Fatalf("Mailgun accepted %+v", m)
	}
	es, err := r.log.ForOrder(context.Background(), n.OrderID)
	if err != nil || len(es) != 1 || es[0].Provider != "mailgun" || es[0].ProviderMessageID != m.MessageID || es[0].Status != notify.StatusSent {
		t.Fatalf("log after the send: %+v %v", es, err)
	}

	// A temporary failure is Mailgun still trying; delivered then wins; a permanent failure
	// arriving after delivery does not undo it (receipts arrive out of order).
	for _, step := range []struct {
		event, severity string
		want            notify.Status
	}{
		{mailgun.EventFailed, mailgun.SeverityTemporary, notify.StatusSent},
		{mailgun.EventDelivered, "", notify.StatusDelivered},
	} {
		if rec := r.post(r.mg.Webhook(step.event, step.severity, m)); rec.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", step.event, step.severity, rec.Code, rec.Body)
		}
		if st := r.status(t, n.OrderID); st != step.want {
			t.Errorf("after %s %s: %s, want %s", step.event, step.severity, st, step.want)
		}
	}

	// A bounce, signed with the previous key during a rotation.
	n, m = r.send(t, "nobody@example.com")
	if rec := r.post(r.old.Webhook(mailgun.EventFailed, mailgun.SeverityPermanent, m)); rec.Code != http.StatusOK {
		t.Fatalf("permanent failure signed with the previous key: %d %s", rec.Code, rec.Body)
	}
	if st := r.status(t, n.OrderID); st != notify.StatusUndelivered {
		t.Errorf("after a permanent failure: %s, want undelivered", st)
	}
}

func TestMailgunWebhookRefusals(t *testing.T) {
	r := newMailgunReceipts(t)
	n, m := r.send(t, "ona@example.com")
	other := providertest.NewMailgun(t, mailgunKey, mailgunDomain, "someone-else's key")
	body := r.mg.Webhook(mailgun.EventDelivered, "", m)
	tampered := strings.Replace(string(body), `"delivered"`, `"failed"`, 1)
	for name, tc := range map[string]struct {
		body []byte
		want int
	}{
		"another key":        {other.Webhook(mailgun.EventDelivered, "", m), http.StatusUnauthorized},
		"an hour old":        {r.mg.WebhookAt(time.Now().Add(-time.Hour), mailgun.EventDelivered, "", m), http.StatusUnauthorized},
		"not JSON":           {[]byte("event=delivered"), http.StatusBadRequest},
		"no signature":       {[]byte(`{"event-data":{"event":"delivered"}}`), http.StatusBadRequest},
		"2 MiB":              {[]byte(`{"signature":{},"event-data":{"event":"` + strings.Repeat("a", 2<<20) + `"}}`), http.StatusRequestEntityTooLarge},
		"a NUL in the id":    {r.mg.Webhook(mailgun.EventDelivered, "", providertest.MailgunMessage{MessageID: "a\x00b", To: m.To}), http.StatusBadRequest},
		"event type altered": {[]byte(tampered), http.StatusOK}, // see below
	} {
		if rec := r.post(tc.body); rec.Code != tc.want {
			t.Errorf("%s: %d %s, want %d", name, rec.Code, rec.Body, tc.want)
		}
	}
	// Mailgun signs the timestamp and token only, so an event altered in flight verifies; TLS
	// is what protects it. A failed event without severity is taken as permanent.
	if st := r.status(t, n.OrderID); st != notify.StatusUndelivered {
		t.Errorf("after the refusals: %s", st)
	}
}

func TestMailgunUnsubscribeAndComplaint(t *testing.T) {
	r := newMailgunReceipts(t)
	ctx := context.Background()
	for _, event := range []string{mailgun.EventUnsubscribed, mailgun.EventComplained} {
		// An address of its own: opt-outs outlive the test, and the package shares one database.
		addr := fmt.Sprintf("%s.%d@example.com", event, time.Now().UnixNano())
		_, m := r.send(t, addr)
		if rec := r.post(r.mg.Webhook(event, "", m)); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", event, rec.Code, rec.Body)
		}
		out, err := r.log.OptedOut(ctx, "email", addr)
		if err != nil || !out {
			t.Fatalf("%s: opted out %v %v", event, out, err)
		}
		n, _ := r.send(t, addr)
		if st := r.status(t, n.OrderID); st != notify.StatusSuppressed {
			t.Errorf("the next email after %s: %s, want suppressed", event, st)
		}
	}
}

func TestMailgunWebhookOff(t *testing.T) {
	r := newReceipts(t) // no MAILGUN_WEBHOOK_SIGNING_KEY
	req := httptest.NewRequest(http.MethodPost, "/webhooks/mailgun/events", strings.NewReader(`{}`))
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("switched off: %d, want 404", rec.Code)
	}
}
