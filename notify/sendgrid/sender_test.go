package sendgrid_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/order"
)

const apiKey = "SG.test-key.0123456789abcdefghijklmnopqrstuvwxyz"

func newSender(t *testing.T, apiURL string, edit func(*sendgrid.Config)) *sendgrid.Sender {
	t.Helper()
	cfg := sendgrid.Config{APIKey: apiKey, From: "Shipflow Store <orders@store.example>", APIURL: apiURL}
	if edit != nil {
		edit(&cfg)
	}
	return sendgrid.New(cfg, &http.Client{Timeout: 5 * time.Second})
}

func email() notify.Message {
	return notify.Message{
		Key: "o1/shipped/s1/email", Channel: order.ChannelEmail, To: "ada@example.com",
		Subject: "Your order has shipped", Text: "It is on its way.", HTML: "<p>It is on its way.</p>",
		Args: map[string]string{"notification_id": "n-42", "order_id": "o1"},
	}
}

func TestSendTextAndHTML(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)

	sent, err := s.Send(t.Context(), email())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := sg.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stand-in accepted %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if sent.Provider != "sendgrid" || sent.Status != "accepted" || sent.MessageID == "" || sent.MessageID != got.MessageID {
		t.Errorf("Sent = %+v, want sendgrid, accepted, X-Message-Id %q", sent, got.MessageID)
	}
	if got.To != "ada@example.com" || got.From != "orders@store.example" || got.FromName != "Shipflow Store" ||
		got.Subject != "Your order has shipped" || got.Text != "It is on its way." || got.HTML != "<p>It is on its way.</p>" {
		t.Errorf("accepted %+v", got)
	}
	if got.CustomArgs["notification_id"] != "n-42" || got.CustomArgs["order_id"] != "o1" || len(got.CustomArgs) != 2 {
		t.Errorf("CustomArgs = %v", got.CustomArgs)
	}
}

func TestSendTextOnly(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), func(c *sendgrid.Config) { c.From = "orders@store.example" })

	m := email()
	m.HTML, m.Args = "", nil
	if _, err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := sg.Messages()[0]
	if got.HTML != "" || got.Text == "" || got.FromName != "" || len(got.CustomArgs) != 0 {
		t.Errorf("accepted %+v", got)
	}
}

func checkPermanent(t *testing.T, err error, code string) {
	t.Helper()
	var p *notify.PermanentError
	if !errors.As(err, &p) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	if p.Code != code {
		t.Errorf("Code = %q, want %q (err %v)", p.Code, code, err)
	}
	checkNoKey(t, err)
}

func checkRetryable(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded, want a retryable error")
	}
	if notify.IsPermanent(err) {
		t.Fatalf("err = %v is permanent, want retryable", err)
	}
	checkNoKey(t, err)
}

func checkNoKey(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), apiKey) {
		t.Errorf("error message contains the API key: %v", err)
	}
}

func TestSendBadKeyIsPermanent(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), func(c *sendgrid.Config) { c.APIKey = "SG.revoked" })

	_, err := s.Send(t.Context(), email())
	checkPermanent(t, err, "401")
	if !strings.Contains(err.Error(), "authorization grant is invalid") {
		t.Errorf("err = %v, want SendGrid's message", err)
	}
}

func TestSendInvalidAddressIsPermanent(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)

	m := email()
	m.To = "not an address"
	_, err := s.Send(t.Context(), m)
	checkPermanent(t, err, "400")
	if !strings.Contains(err.Error(), "personalizations.0.to.0.email") {
		t.Errorf("err = %v, want the field named", err)
	}
}

func TestSendProgrammedRefusalsArePermanent(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge} {
		sg := providertest.NewSendGrid(t, apiKey)
		s := newSender(t, sg.URL(), nil)
		sg.FailNext(1, status, 0)
		_, err := s.Send(t.Context(), email())
		checkPermanent(t, err, strconv.Itoa(status))
	}
}

func TestSendRetryableFailures(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway} {
		sg := providertest.NewSendGrid(t, apiKey)
		s := newSender(t, sg.URL(), nil)
		sg.FailNext(1, status, 0)
		_, err := s.Send(t.Context(), email())
		checkRetryable(t, err)
		if _, err := s.Send(t.Context(), email()); err != nil {
			t.Errorf("status %d: retry: %v", status, err)
		}
	}
}

func TestSendProviderDownIsRetryable(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)

	sg.Down(time.Hour)
	_, err := s.Send(t.Context(), email())
	checkRetryable(t, err)
	sg.Up()
	if _, err := s.Send(t.Context(), email()); err != nil {
		t.Errorf("after Up: %v", err)
	}
}

func TestSendConnectionRefusedIsRetryable(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)
	sg.Close()

	_, err := s.Send(t.Context(), email())
	checkRetryable(t, err)
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("err = %v, want the network error wrapped", err)
	}
}

func TestSendHonoursContextDeadline(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)
	sg.Delay(3 * time.Second)

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Send(ctx, email())
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Send took %v past a 100ms deadline", elapsed)
	}
	checkRetryable(t, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestSendRejectsUnsendableMessages(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	good := newSender(t, sg.URL(), nil)
	badFrom := newSender(t, sg.URL(), func(c *sendgrid.Config) { c.From = "orders at store" })
	noTo, noContent := email(), email()
	noTo.To = ""
	noContent.Text, noContent.HTML = "", ""
	for name, tc := range map[string]struct {
		s *sendgrid.Sender
		m notify.Message
	}{
		"no recipient": {good, noTo},
		"no content":   {good, noContent},
		"bad from":     {badFrom, email()},
		"sms channel":  {good, notify.Message{Channel: order.ChannelSMS, To: "+447700900123", Text: "x"}},
	} {
		if _, err := tc.s.Send(t.Context(), tc.m); !notify.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
	if n := len(sg.Messages()); n != 0 {
		t.Errorf("%d messages reached SendGrid", n)
	}
}

// TestSendRequestShape checks the wire format against SendGrid's documented body, beyond
// what the stand-in needs: text/plain first, html omitted when empty, headers.
func TestSendRequestShape(t *testing.T) {
	var body, auth, ctype, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		body, auth, ctype, path = b.String(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.URL.Path
		w.Header().Set("X-Message-Id", "abc123")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	s := newSender(t, srv.URL+"/", nil)
	sent, err := s.Send(t.Context(), email())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"personalizations":[{"to":[{"email":"ada@example.com"}],"custom_args":{"notification_id":"n-42","order_id":"o1"}}],` +
		`"from":{"email":"orders@store.example","name":"Shipflow Store"},"subject":"Your order has shipped",` +
		`"content":[{"type":"text/plain","value":"It is on its way."},{"type":"text/html","value":"\u003cp\u003eIt is on its way.\u003c/p\u003e"}]}`
	if body != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
	if auth != "Bearer "+apiKey || ctype != "application/json" || path != "/v3/mail/send" || sent.MessageID != "abc123" {
		t.Errorf("auth %q, content type %q, path %q, sent %+v", auth, ctype, path, sent)
	}
}

func TestSendDefaultsToSendGrid(t *testing.T) {
	var got string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.URL.String()
		return nil, errors.New("offline")
	})}
	s := sendgrid.New(sendgrid.Config{APIKey: apiKey, From: "a@b.example"}, hc)
	_, err := s.Send(t.Context(), email())
	checkRetryable(t, err)
	if got != "https://api.sendgrid.com/v3/mail/send" {
		t.Errorf("URL = %q", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

const templateID = "d-4ad23ad40a0e47d0a0232b85f24ca5c2"

func templated() notify.Message {
	m := email()
	m.TemplateID = templateID
	m.TemplateData = map[string]any{"first_name": "Ada", "order_number": "1001", "items": []string{"Boots", "Socks"}}
	m.Headers = map[string]string{"List-Unsubscribe": "<https://shop.example/u>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
	return m
}

func TestSendDynamicTemplate(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)
	if _, err := s.Send(t.Context(), templated()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := sg.Messages()[0]
	items, _ := got.TemplateData["items"].([]any)
	if got.TemplateID != templateID || got.TemplateData["first_name"] != "Ada" || got.TemplateData["order_number"] != "1001" ||
		len(items) != 2 || got.Subject != "" || got.Text != "" || got.HTML != "" {
		t.Errorf("accepted %+v", got)
	}
	if got.CustomArgs["order_id"] != "o1" || got.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Errorf("custom args %v, headers %v: a template send keeps both", got.CustomArgs, got.Headers)
	}
}

func TestSendDynamicTemplateRequestShape(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		body = b.String()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	m := templated()
	m.Headers = nil
	if _, err := newSender(t, srv.URL, nil).Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	want := `{"personalizations":[{"to":[{"email":"ada@example.com"}],"custom_args":{"notification_id":"n-42","order_id":"o1"},` +
		`"dynamic_template_data":{"first_name":"Ada","items":["Boots","Socks"],"order_number":"1001"}}],` +
		`"from":{"email":"orders@store.example","name":"Shipflow Store"},"template_id":"` + templateID + `"}`
	if body != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
}

func TestSendBadTemplateID(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)
	m := templated()
	m.TemplateID = "d-123"
	_, err := s.Send(t.Context(), m)
	checkPermanent(t, err, "") // refused before any request: SendGrid would answer 400
	if len(sg.Messages()) != 0 {
		t.Error("sent a message with a malformed template id")
	}
}

func TestSendOnlyDynamicTemplateIDs(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	s := newSender(t, sg.URL(), nil)
	m := templated()
	m.TemplateID = "d-00000000000000000000000000000000"
	if _, err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("a well-formed id the account may have: %v", err)
	}
	// A legacy GUID is valid for SendGrid but not shipflow's dynamic templates: refused here.
	m.TemplateID = "4ad23ad4-0a0e-47d0-a023-2b85f24ca5c2"
	_, err := s.Send(t.Context(), m)
	checkPermanent(t, err, "")
}
