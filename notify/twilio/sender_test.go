package twilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/twilio"
	"github.com/shipflow/shipflow/order"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "s3cr3tt0k3nv4lu3s3cr3tt0k3nv4lu3"
	serviceSID = "MG0123456789abcdef0123456789abcdef"
	contentSID = "HX0123456789abcdef0123456789abcdef"
	fromNumber = "+15005550006"
	waNumber   = "+14155238886"
	customer   = "+447700900123"
)

var sidRE = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func newSender(t *testing.T, apiURL string, edit func(*twilio.Config)) *twilio.Sender {
	t.Helper()
	cfg := twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, WhatsAppFrom: waNumber, APIURL: apiURL}
	if edit != nil {
		edit(&cfg)
	}
	s, err := twilio.New(cfg, &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func sms(text string) notify.Message {
	return notify.Message{Key: "o1/shipped/s1/sms", Channel: order.ChannelSMS, To: customer, Text: text}
}

func TestSendSMSFromNumber(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)

	sent, err := s.Send(t.Context(), sms("Your order has shipped"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if sent.Provider != "twilio" || !sidRE.MatchString(sent.MessageID) || sent.Status != "queued" {
		t.Errorf("Sent = %+v, want twilio, an SM sid, queued", sent)
	}
	msgs := tw.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stand-in accepted %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.SID != sent.MessageID || got.To != customer || got.From != fromNumber || got.Body != "Your order has shipped" ||
		got.MessagingServiceSid != "" || got.StatusCallback != "" || got.ContentSid != "" {
		t.Errorf("accepted %+v", got)
	}
}

func TestSendSMSMessagingService(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), func(c *twilio.Config) { c.MessagingServiceSID = serviceSID })

	sent, err := s.Send(t.Context(), sms("Out for delivery"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	// A Messaging Service picks the sender later, so Twilio answers "accepted".
	if sent.Status != "accepted" {
		t.Errorf("Status = %q, want accepted", sent.Status)
	}
	got := tw.Messages()[0]
	if got.MessagingServiceSid != serviceSID || got.From != "" || got.To != customer {
		t.Errorf("accepted %+v, want the Messaging Service and no From", got)
	}
}

func TestSendWhatsAppText(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), func(c *twilio.Config) { c.WhatsAppFrom = "whatsapp:" + waNumber })

	m := notify.Message{Key: "k", Channel: order.ChannelWhatsApp, To: customer, Text: "Delivered!"}
	if _, err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := tw.Messages()[0]
	if got.To != "whatsapp:"+customer || got.From != "whatsapp:"+waNumber || got.Body != "Delivered!" {
		t.Errorf("accepted %+v, want whatsapp: addresses on both ends", got)
	}
}

func TestSendWhatsAppTemplate(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)

	m := notify.Message{
		Key: "k", Channel: order.ChannelWhatsApp, To: "whatsapp:" + customer, Text: "fallback text",
		ContentSID: contentSID, ContentVariables: map[string]string{"1": "Ada", "2": "https://t.example/x"},
	}
	if _, err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := tw.Messages()[0]
	if got.ContentSid != contentSID || got.Body != "" || got.To != "whatsapp:"+customer {
		t.Errorf("accepted %+v, want the template and no body", got)
	}
	if got.ContentVariables["1"] != "Ada" || got.ContentVariables["2"] != "https://t.example/x" || len(got.ContentVariables) != 2 {
		t.Errorf("ContentVariables = %v", got.ContentVariables)
	}
}

func TestSendStatusCallback(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)

	m := sms("hi")
	m.StatusCallback = "https://shipflow.example/webhooks/twilio/status?n=42"
	if _, err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := tw.Messages()[0].StatusCallback; got != m.StatusCallback {
		t.Errorf("StatusCallback = %q, want %q", got, m.StatusCallback)
	}
}

// checkPermanent asserts err is a *notify.PermanentError with code, and leaks no token.
func checkPermanent(t *testing.T, err error, code string) {
	t.Helper()
	var p *notify.PermanentError
	if !errors.As(err, &p) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	if p.Code != code {
		t.Errorf("Code = %q, want %q (err %v)", p.Code, code, err)
	}
	checkNoToken(t, err)
}

func checkRetryable(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded, want a retryable error")
	}
	if notify.IsPermanent(err) {
		t.Fatalf("err = %v is permanent, want retryable", err)
	}
	checkNoToken(t, err)
}

func checkNoToken(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), authToken) {
		t.Errorf("error message contains the auth token: %v", err)
	}
}

func TestSendInvalidNumberIsPermanent(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)

	m := sms("hi")
	m.To = "0770 090 0123"
	_, err := s.Send(t.Context(), m)
	checkPermanent(t, err, "21211")
	if len(tw.Messages()) != 0 {
		t.Error("stand-in accepted an invalid number")
	}
}

func TestSendProgrammedRefusalsArePermanent(t *testing.T) {
	for _, code := range []int{21610, 21408, 21211} {
		tw := providertest.NewTwilio(t, accountSID, authToken)
		s := newSender(t, tw.URL(), nil)
		tw.FailNext(1, http.StatusBadRequest, code)
		_, err := s.Send(t.Context(), sms("hi"))
		checkPermanent(t, err, strconv.Itoa(code))
	}
}

func TestSendBadCredentialsIsPermanent(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), func(c *twilio.Config) { c.AuthToken = "wrongtoken" + authToken[10:] })

	_, err := s.Send(t.Context(), sms("hi"))
	checkPermanent(t, err, "20003")
}

func TestSendRetryableFailures(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		tw := providertest.NewTwilio(t, accountSID, authToken)
		s := newSender(t, tw.URL(), nil)
		tw.FailNext(1, status, 0)
		_, err := s.Send(t.Context(), sms("hi"))
		checkRetryable(t, err)
		// The failure was one request: the retry goes through.
		if _, err := s.Send(t.Context(), sms("hi")); err != nil {
			t.Errorf("status %d: retry: %v", status, err)
		}
	}
}

func TestSendProviderDownIsRetryable(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)

	tw.Down(0) // a load balancer's HTML 503 page, which twilio-go cannot decode
	_, err := s.Send(t.Context(), sms("hi"))
	checkRetryable(t, err)
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want the 503 named", err)
	}
	tw.Up()
	if _, err := s.Send(t.Context(), sms("hi")); err != nil {
		t.Errorf("after Up: %v", err)
	}
}

func TestSendConnectionRefusedIsRetryable(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	tw.Close()

	_, err := s.Send(t.Context(), sms("hi"))
	checkRetryable(t, err)
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("err = %v, want the network error wrapped", err)
	}
}

func TestSendHonoursContextDeadline(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	tw.Delay(3 * time.Second)

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Send(ctx, sms("hi"))
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Send took %v past a 100ms deadline", elapsed)
	}
	checkRetryable(t, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestSendHonoursContextCancel(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	tw.Delay(3 * time.Second)

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := s.Send(ctx, sms("hi"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestSendHonoursClientTimeout(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	tw.Delay(3 * time.Second)
	s, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, APIURL: tw.URL()},
		&http.Client{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Send(t.Context(), sms("hi"))
	checkRetryable(t, err)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Send took %v past a 100ms client timeout", elapsed)
	}
}

func TestSendRejectsUnsendableMessages(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	smsOnly := newSender(t, tw.URL(), func(c *twilio.Config) { c.WhatsAppFrom = "" })
	waOnly := newSender(t, tw.URL(), func(c *twilio.Config) { c.From = "" })
	for name, tc := range map[string]struct {
		s *twilio.Sender
		m notify.Message
	}{
		"no recipient":       {smsOnly, notify.Message{Channel: order.ChannelSMS, Text: "x"}},
		"no content":         {smsOnly, notify.Message{Channel: order.ChannelSMS, To: customer}},
		"email channel":      {smsOnly, notify.Message{Channel: order.ChannelEmail, To: customer, Text: "x"}},
		"no WhatsApp sender": {smsOnly, notify.Message{Channel: order.ChannelWhatsApp, To: customer, Text: "x"}},
		"no SMS sender":      {waOnly, notify.Message{Channel: order.ChannelSMS, To: customer, Text: "x"}},
	} {
		_, err := tc.s.Send(t.Context(), tc.m)
		if !notify.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
	if n := len(tw.Messages()); n != 0 {
		t.Errorf("%d messages reached Twilio", n)
	}
}

func TestNewChecksConfig(t *testing.T) {
	ok := twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber}
	for name, edit := range map[string]func(*twilio.Config){
		"no account":     func(c *twilio.Config) { c.AccountSID = "" },
		"no token":       func(c *twilio.Config) { c.AuthToken = "" },
		"token symbols":  func(c *twilio.Config) { c.AuthToken = "abc:def" },
		"no sender":      func(c *twilio.Config) { c.From = "" },
		"ftp API URL":    func(c *twilio.Config) { c.APIURL = "ftp://example.com" },
		"API URL query":  func(c *twilio.Config) { c.APIURL = "http://127.0.0.1:1/?x=1" },
		"API URL userpw": func(c *twilio.Config) { c.APIURL = "http://u:p@127.0.0.1:1" },
	} {
		cfg := ok
		edit(&cfg)
		_, err := twilio.New(cfg, nil)
		if err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		} else if cfg.AuthToken != "" && strings.Contains(err.Error(), cfg.AuthToken) {
			t.Errorf("%s: error quotes the token: %v", name, err)
		}
	}
	if _, err := twilio.New(ok, nil); err != nil {
		t.Errorf("New(%+v): %v", ok, err)
	}
}

// TestSendOverTLSWithPathPrefix checks that an https API URL keeps TLS and that its path
// prefixes the API path, as behind a gateway.
func TestSendOverTLSWithPathPrefix(t *testing.T) {
	var gotPath, gotHost string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			t.Error("request arrived without TLS")
		}
		gotPath, gotHost = r.URL.Path, r.Host
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})
	}))
	defer srv.Close()

	s, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, APIURL: srv.URL + "/gateway/twilio/"}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	sent, err := s.Send(t.Context(), sms("hi"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := "/gateway/twilio/2010-04-01/Accounts/" + accountSID + "/Messages.json"; gotPath != want {
		t.Errorf("path = %q, want %q", gotPath, want)
	}
	if want := strings.TrimPrefix(srv.URL, "https://"); gotHost != want {
		t.Errorf("Host = %q, want %q", gotHost, want)
	}
	if sent.MessageID != "SM0123456789abcdef0123456789abcdef" {
		t.Errorf("Sent = %+v", sent)
	}
}

func TestSendConcurrently(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	tw.FailNext(5, http.StatusInternalServerError, 0)

	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for range 40 {
		wg.Go(func() {
			if _, err := s.Send(t.Context(), sms("hi")); err != nil {
				checkRetryable(t, err)
				mu.Lock()
				failed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed != 5 || len(tw.Messages()) != 35 {
		t.Errorf("%d failed and %d accepted, want 5 and 35", failed, len(tw.Messages()))
	}
}

func TestOnAcceptRunsBeforeTheAnswer(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	var seen []string
	tw.OnAccept = func(m providertest.TwilioMessage) { seen = append(seen, m.SID) }

	sent, err := s.Send(t.Context(), sms("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != sent.MessageID {
		t.Errorf("OnAccept saw %v, want [%s]", seen, sent.MessageID)
	}
}
