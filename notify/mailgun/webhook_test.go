package mailgun_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/notify/providertest"
)

func TestParseAndVerifyWebhook(t *testing.T) {
	mg := providertest.NewMailgun(t, apiKey, domain, signingKey)
	m := providertest.MailgunMessage{MessageID: "20261205.abc@mg.store.example", Domain: domain, To: "ada@example.com",
		Vars: map[string]string{"notification_id": "n-42"}}
	for _, tc := range []struct{ event, severity, reason string }{
		{mailgun.EventDelivered, "", "OK"},
		{mailgun.EventFailed, mailgun.SeverityPermanent, "550 5.1.1"},
		{mailgun.EventFailed, mailgun.SeverityTemporary, "452 4.2.2"},
		{mailgun.EventUnsubscribed, "", ""},
		{mailgun.EventComplained, "", ""},
	} {
		wh, err := mailgun.ParseWebhook(mg.Webhook(tc.event, tc.severity, m))
		if err != nil {
			t.Fatalf("%s: %v", tc.event, err)
		}
		e := wh.Event
		if e.Event != tc.event || e.Severity != tc.severity || e.Recipient != m.To || e.MessageID != m.MessageID ||
			e.Vars["notification_id"] != "n-42" || e.Timestamp.IsZero() || !strings.HasPrefix(e.Reason, tc.reason) {
			t.Errorf("%s %s: parsed %+v", tc.event, tc.severity, e)
		}
		if !mailgun.Verify(signingKey, wh.Signature) {
			t.Errorf("%s: signature does not verify", tc.event)
		}
		if mailgun.Verify("another key", wh.Signature) {
			t.Errorf("%s: verifies with another key", tc.event)
		}
		s := wh.Signature
		s.Token = s.Token[1:]
		if mailgun.Verify(signingKey, s) {
			t.Errorf("%s: verifies with another token", tc.event)
		}
	}
}

func TestSignatureAsDocumented(t *testing.T) {
	// HMAC-SHA256 of timestamp+token, hex, computed independently of Sign:
	// echo -n 1770920772e0b5477167110d68991efc6b9f89f0a11066af27834600e123 | openssl dgst -sha256 -hmac key-example
	const want = "0c21522907603dce041a944f1414670fff4a064f6d03b9ac00aca444d434cc50"
	s := mailgun.Signature{Timestamp: "1770920772", Token: "e0b5477167110d68991efc6b9f89f0a11066af27834600e123", Signature: want}
	if got := mailgun.Sign("key-example", s.Timestamp, s.Token); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if !mailgun.Verify("key-example", s) {
		t.Error("the documented signature does not verify")
	}
}

func TestParseWebhookRefusesOtherShapes(t *testing.T) {
	for _, body := range []string{
		``, `[]`, `{}`, `{"signature":{}}`, `{"event-data":{"event":"delivered"}}`,
		`{"signature":{},"event-data":{}}`,
		`{"signature":{},"event-data":{"event":"delivered","timestamp":"soon"}}`,
		`{"signature":{},"event-data":{"event":"delivered","timestamp":-1}}`,
	} {
		if _, err := mailgun.ParseWebhook([]byte(body)); err == nil {
			t.Errorf("%s: parsed", body)
		}
	}
	b, _ := json.Marshal(map[string]any{"signature": map[string]string{}, "event-data": map[string]any{"event": "opened", "timestamp": 1.5}})
	if _, err := mailgun.ParseWebhook(b); err != nil {
		t.Errorf("an event shipflow ignores must still parse: %v", err)
	}
}
