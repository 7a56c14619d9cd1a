package mailgun_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/order"
)

const (
	apiKey     = "key-0123456789abcdef0123456789abcdef"
	domain     = "mg.store.example"
	signingKey = "whsk-0123456789abcdef"
)

func newSender(t *testing.T, apiURL string, edit func(*mailgun.Config)) *mailgun.Sender {
	t.Helper()
	cfg := mailgun.Config{APIKey: apiKey, Domain: domain, From: "Shipflow Store <orders@mg.store.example>", APIURL: apiURL}
	if edit != nil {
		edit(&cfg)
	}
	return mailgun.New(cfg, &http.Client{Timeout: 5 * time.Second})
}

func email() notify.Message {
	return notify.Message{
		Key: "o1/shipped/s1/email", Channel: order.ChannelEmail, To: "ada@example.com",
		Subject: "Your order has shipped", Text: "It is on its way.", HTML: "<p>It is on its way.</p>",
		Args:    map[string]string{"notification_id": "n-42", "order_id": "o1"},
		Headers: map[string]string{"List-Unsubscribe": "<https://shipflow.example.com/unsubscribe/x>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
	}
}

func TestSendFormAndAuth(t *testing.T) {
	mg := providertest.NewMailgun(t, apiKey, domain, signingKey)
	sent, err := newSender(t, mg.URL(), nil).Send(t.Context(), email())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := mg.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stand-in accepted %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if sent.Provider != "mailgun" || sent.Status != "queued" || sent.MessageID == "" || sent.MessageID != got.MessageID || strings.ContainsAny(sent.MessageID, "<>") {
		t.Errorf("Sent = %+v, want mailgun, queued, id %q without brackets", sent, got.MessageID)
	}
	if got.ContentType != "multipart/form-data" || got.Domain != domain || got.To != "ada@example.com" ||
		got.From != `"Shipflow Store" <orders@mg.store.example>` || got.Subject != "Your order has shipped" ||
		got.Text != "It is on its way." || got.HTML != "<p>It is on its way.</p>" {
		t.Errorf("accepted %+v", got)
	}
	if got.Vars["notification_id"] != "n-42" || got.Vars["order_id"] != "o1" || len(got.Vars) != 2 {
		t.Errorf("user variables = %v", got.Vars)
	}
	if got.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || !strings.HasPrefix(got.Headers["List-Unsubscribe"], "<https://") {
		t.Errorf("h: headers = %v", got.Headers)
	}
}

func TestRegions(t *testing.T) {
	for _, tc := range []struct {
		cfg  mailgun.Config
		want string
	}{
		{mailgun.Config{}, "https://api.mailgun.net"},
		{mailgun.Config{Region: mailgun.RegionUS}, "https://api.mailgun.net"},
		{mailgun.Config{Region: mailgun.RegionEU}, "https://api.eu.mailgun.net"},
		{mailgun.Config{Region: mailgun.RegionEU, APIURL: "http://127.0.0.1:9/"}, "http://127.0.0.1:9"},
	} {
		if got := tc.cfg.BaseURL(); got != tc.want {
			t.Errorf("%+v: BaseURL %s, want %s", tc.cfg, got, tc.want)
		}
	}
	// The EU region's host is what the request goes to.
	var host string
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		host = r.URL.Host + r.URL.Path
		return nil, errors.New("no network in tests")
	})}
	s := mailgun.New(mailgun.Config{APIKey: apiKey, Domain: domain, From: "orders@mg.store.example", Region: mailgun.RegionEU}, hc)
	if _, err := s.Send(t.Context(), email()); err == nil || notify.IsPermanent(err) {
		t.Errorf("a network error: %v, want retryable", err)
	}
	if host != "api.eu.mailgun.net/v3/mg.store.example/messages" {
		t.Errorf("EU request went to %s", host)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func checkPermanent(t *testing.T, err error, code string) {
	t.Helper()
	var p *notify.PermanentError
	if !errors.As(err, &p) || p.Code != code {
		t.Errorf("err = %v, want a permanent error with code %q", err, code)
	}
}

func TestFailureClasses(t *testing.T) {
	mg := providertest.NewMailgun(t, apiKey, domain, signingKey)
	// Refusals Mailgun repeats: never retried.
	_, err := newSender(t, mg.URL(), func(c *mailgun.Config) { c.APIKey = "key-wrong" }).Send(t.Context(), email())
	checkPermanent(t, err, "401")
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("a wrong key: %v, want Mailgun's Forbidden", err)
	}
	_, err = newSender(t, mg.URL(), func(c *mailgun.Config) { c.Domain = "other.example" }).Send(t.Context(), email())
	checkPermanent(t, err, "404")
	m := email()
	m.Subject = ""
	_, err = newSender(t, mg.URL(), nil).Send(t.Context(), m)
	checkPermanent(t, err, "400")
	if err == nil || !strings.Contains(err.Error(), "subject parameter is missing") {
		t.Errorf("no subject: %v, want Mailgun's message", err)
	}
	// Refusals shipflow can tell before asking.
	for name, edit := range map[string]func(*mailgun.Config){
		"no domain": func(c *mailgun.Config) { c.Domain = "" },
		"bad from":  func(c *mailgun.Config) { c.From = "not an address" },
	} {
		_, err := newSender(t, mg.URL(), edit).Send(t.Context(), email())
		checkPermanent(t, err, "")
		if err == nil {
			t.Errorf("%s: sent", name)
		}
	}
	m = email()
	m.Channel = order.ChannelSMS
	_, err = newSender(t, mg.URL(), nil).Send(t.Context(), m)
	checkPermanent(t, err, "")

	// Rate limits and outages: retried.
	for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		mg.FailNext(1, status, 0)
		if _, err := newSender(t, mg.URL(), nil).Send(t.Context(), email()); err == nil || notify.IsPermanent(err) {
			t.Errorf("HTTP %d: %v, want retryable", status, err)
		}
	}
	mg.Down(0)
	if _, err := newSender(t, mg.URL(), nil).Send(t.Context(), email()); err == nil || notify.IsPermanent(err) {
		t.Errorf("outage: %v, want retryable", err)
	}
	mg.Up()
	mg.Delay(time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := newSender(t, mg.URL(), nil).Send(ctx, email()); err == nil || notify.IsPermanent(err) {
		t.Errorf("timeout: %v, want retryable", err)
	}
	mg.Delay(0)
	if n := len(mg.Messages()); n != 0 {
		t.Errorf("stand-in accepted %d messages, want none", n)
	}
}
