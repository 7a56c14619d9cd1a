package whatsapp_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/order"
)

const (
	token     = "EAAJB-test-token"
	numberID  = "106540352242922"
	appSecret = "614fc2afde15eee07a26b2fe3eaee9b9"
)

func newSender(t *testing.T, apiURL string, edit func(*whatsapp.Config)) *whatsapp.Sender {
	t.Helper()
	cfg := whatsapp.Config{AccessToken: token, PhoneNumberID: numberID, APIURL: apiURL}
	if edit != nil {
		edit(&cfg)
	}
	return whatsapp.New(cfg, &http.Client{Timeout: 5 * time.Second})
}

func shipped() notify.Message {
	return notify.Message{
		Key: "o1/shipped/s1/whatsapp", Channel: order.ChannelWhatsApp, To: "+37060012345", Text: "Your order o1 has shipped.",
		CloudTemplate: &notify.CloudTemplate{Name: "order_shipped", Language: "en_US",
			Parameters: []string{"Ona", "o1", "DPD", "https://shipflow.example.com/t/o1"}},
	}
}

func TestSendTemplate(t *testing.T) {
	wa := providertest.NewWhatsApp(t, token, numberID, appSecret)
	wa.Approve("order_shipped", "en_US", 4)
	sent, err := newSender(t, wa.URL(), nil).Send(t.Context(), shipped())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := wa.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stand-in accepted %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if sent.Provider != whatsapp.Provider || sent.MessageID != m.ID || !strings.HasPrefix(sent.MessageID, "wamid.") || sent.Status != "accepted" {
		t.Errorf("Sent = %+v, want %s, the wamid %s, accepted", sent, whatsapp.Provider, m.ID)
	}
	if m.Version != whatsapp.DefaultAPIVersion || m.PhoneNumberID != numberID || m.To != "37060012345" || m.Type != "template" ||
		m.Template != "order_shipped" || m.Language != "en_US" || strings.Join(m.Parameters, "|") != "Ona|o1|DPD|https://shipflow.example.com/t/o1" {
		t.Errorf("accepted %+v", m)
	}
}

func TestSendTextWithoutTemplate(t *testing.T) {
	wa := providertest.NewWhatsApp(t, token, numberID, appSecret)
	m := shipped()
	m.CloudTemplate = nil
	sent, err := newSender(t, wa.URL()+"/", func(c *whatsapp.Config) { c.APIVersion = "v23.0" }).Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := wa.Messages()[0]
	if got.Type != "text" || got.Text != m.Text || got.Version != "v23.0" || sent.MessageID != got.ID {
		t.Errorf("accepted %+v, sent %+v", got, sent)
	}
}

func checkPermanent(t *testing.T, err error, code string) {
	t.Helper()
	var p *notify.PermanentError
	if !errors.As(err, &p) || p.Code != code {
		t.Errorf("err = %v, want a permanent error with code %q", err, code)
	}
}

func TestFailureClasses(t *testing.T) {
	wa := providertest.NewWhatsApp(t, token, numberID, appSecret)
	wa.Approve("order_shipped", "en_US", 4)
	ctx := t.Context()

	// Refusals Meta repeats, by its error code: never retried.
	_, err := newSender(t, wa.URL(), func(c *whatsapp.Config) { c.AccessToken = "expired" }).Send(ctx, shipped())
	checkPermanent(t, err, "190")
	_, err = newSender(t, wa.URL(), func(c *whatsapp.Config) { c.PhoneNumberID = "999" }).Send(ctx, shipped())
	checkPermanent(t, err, "100")
	m := shipped()
	m.CloudTemplate.Name = "order_unknown"
	_, err = newSender(t, wa.URL(), nil).Send(ctx, m)
	checkPermanent(t, err, "132001")
	if err == nil || !strings.Contains(err.Error(), "does not exist in en_US") {
		t.Errorf("unknown template: %v, want Meta's details", err)
	}
	m = shipped()
	m.CloudTemplate.Language = "lt"
	_, err = newSender(t, wa.URL(), nil).Send(ctx, m)
	checkPermanent(t, err, "132001")
	m = shipped()
	m.CloudTemplate.Parameters = m.CloudTemplate.Parameters[:2]
	_, err = newSender(t, wa.URL(), nil).Send(ctx, m)
	checkPermanent(t, err, "132000")
	m = shipped()
	m.CloudTemplate.Parameters[2] = ""
	_, err = newSender(t, wa.URL(), nil).Send(ctx, m)
	checkPermanent(t, err, "131008")
	for _, code := range []int{whatsapp.CodeUndeliverable, whatsapp.CodeReEngagement, whatsapp.CodeMarketingOptOut} {
		wa.FailNext(1, http.StatusBadRequest, code)
		_, err = newSender(t, wa.URL(), nil).Send(ctx, shipped())
		checkPermanent(t, err, strconv.Itoa(code))
		if errors.Is(err, notify.ErrOptedOut) {
			t.Errorf("code %d: opts the customer out; no Meta code says they blocked the business", code)
		}
	}

	// Refusals shipflow can tell before asking.
	for name, edit := range map[string]func(*notify.Message){
		"not E.164":  func(m *notify.Message) { m.To = "37060012345" },
		"sms":        func(m *notify.Message) { m.Channel = order.ChannelSMS },
		"no content": func(m *notify.Message) { m.CloudTemplate, m.Text = nil, "" },
		"letters in": func(m *notify.Message) { m.To = "+3706001234a" },
	} {
		m := shipped()
		edit(&m)
		_, err := newSender(t, wa.URL(), nil).Send(ctx, m)
		if err == nil {
			t.Errorf("%s: sent", name)
		}
		checkPermanent(t, err, "")
	}
	for name, edit := range map[string]func(*whatsapp.Config){
		"no number id":    func(c *whatsapp.Config) { c.PhoneNumberID = "" },
		"number, not id":  func(c *whatsapp.Config) { c.PhoneNumberID = "+15550001234" },
		"version unknown": func(c *whatsapp.Config) { c.APIVersion = "latest" },
	} {
		_, err := newSender(t, wa.URL(), edit).Send(ctx, shipped())
		checkPermanent(t, err, "")
		if err == nil {
			t.Errorf("%s: sent", name)
		}
	}

	// Rate limits and Meta's trouble: retried.
	for _, f := range []struct{ status, code int }{
		{http.StatusBadRequest, whatsapp.CodeThroughput}, {http.StatusTooManyRequests, 0},
		{http.StatusBadRequest, whatsapp.CodeSpamRateLimit}, {http.StatusBadRequest, whatsapp.CodePairRateLimit},
		{http.StatusInternalServerError, whatsapp.CodeAPIUnknown}, {http.StatusServiceUnavailable, whatsapp.CodeAPIService},
		{http.StatusBadGateway, 0},
	} {
		wa.FailNext(1, f.status, f.code)
		if _, err := newSender(t, wa.URL(), nil).Send(ctx, shipped()); err == nil || notify.IsPermanent(err) {
			t.Errorf("HTTP %d code %d: %v, want retryable", f.status, f.code, err)
		}
	}
	wa.Down(0)
	if _, err := newSender(t, wa.URL(), nil).Send(ctx, shipped()); err == nil || notify.IsPermanent(err) {
		t.Errorf("outage: %v, want retryable", err)
	}
	wa.Up()
	wa.Delay(time.Second)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := newSender(t, wa.URL(), nil).Send(short, shipped()); err == nil || notify.IsPermanent(err) {
		t.Errorf("timeout: %v, want retryable", err)
	}
	wa.Delay(0)
	if n := len(wa.Messages()); n != 0 {
		t.Errorf("stand-in accepted %d messages, want none", n)
	}
}

func TestRetryableCodes(t *testing.T) {
	for code, want := range map[int]bool{
		1: true, 2: true, 4: true, 80007: true, 130429: true, 131000: true, 131016: true, 131048: true, 131056: true, 133004: true,
		100: false, 190: false, 131026: false, 131047: false, 131050: false, 132000: false, 132001: false, 132015: false,
	} {
		if got := whatsapp.Retryable(code); got != want {
			t.Errorf("Retryable(%d) = %v, want %v", code, got, want)
		}
	}
}
