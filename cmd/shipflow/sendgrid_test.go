package main

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify/providertest"
)

// TestEmailThroughSendGridTemplate runs the whole path with a SendGrid dynamic template named
// for the confirmation: a signed commerce event, the order workflow, the notify activity, the
// SendGrid sender and the stand-in, which checks the bearer key and the template send as
// SendGrid does. It checks template_id and dynamic_template_data, the log entry, a signed
// delivered event coming back, and each failure class: a 503 is retried and sent once, a 400
// fails for good.
func TestEmailThroughSendGridTemplate(t *testing.T) {
	const tpl = "d-4ad23ad40a0e47d0a0232b85f24ca5c2"
	sg := providertest.NewSendGrid(t, "SG.whole-path")
	s := startStack(t, map[string]string{
		"SHIPFLOW_BRAND_NAME":         "Ona's Shoes",
		"SENDGRID_API_KEY":            "SG.whole-path",
		"SENDGRID_FROM":               "Shop <shop@store.example>",
		"SENDGRID_API_URL":            sg.URL(),
		"SENDGRID_TEMPLATES":          "confirmed=" + tpl,
		"SENDGRID_WEBHOOK_PUBLIC_KEY": sg.PublicKey(),
		"SHIPFLOW_TRACKING_SECRET":    "sendgrid-tracking-secret",
	})
	prefix := fmt.Sprintf("sgt-%d-", time.Now().UnixNano())
	order := func(id, email string) {
		t.Helper()
		s.confirm(id, map[string]any{"name": "Ona Petraitė", "email": email, "locale": "en", "time_zone": "Europe/Vilnius"}, "email")
	}
	logged := s.logged
	to := func(email string) []providertest.SendGridMessage {
		var out []providertest.SendGridMessage
		for _, m := range sg.Messages() {
			if m.To == email {
				out = append(out, m)
			}
		}
		return out
	}

	t.Run("sent as the template, delivered event applied", func(t *testing.T) {
		email := "ona.a@example.com"
		order(prefix+"a", email)
		entry := logged(prefix+"a", "sent")
		msgs := to(email)
		if len(msgs) != 1 {
			t.Fatalf("SendGrid got %d emails for %s, want 1", len(msgs), email)
		}
		m := msgs[0]
		if entry["provider"] != "sendgrid" || entry["provider_message_id"] != m.MessageID {
			t.Errorf("log entry %v, want provider sendgrid and X-Message-Id %s", entry, m.MessageID)
		}
		d := m.TemplateData
		if m.TemplateID != tpl || m.Subject != "" || m.HTML != "" || d["first_name"] != "Ona" || d["order_number"] != prefix+"a" ||
			d["milestone"] != "confirmed" || d["store_name"] != "Ona's Shoes" || m.CustomArgs["order_id"] != prefix+"a" {
			t.Errorf("sent %+v", m)
		}
		body := sg.Events("delivered", m)
		req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/sendgrid/events", bytes.NewReader(body))
		sig, ts := sg.SignEvents(body)
		req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", sig)
		req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("signed events: %d", resp.StatusCode)
		}
		logged(prefix+"a", "delivered")
	})

	t.Run("503 is retried and sent once", func(t *testing.T) {
		email := "ona.b@example.com"
		sg.FailNext(1, http.StatusServiceUnavailable, 0)
		order(prefix+"b", email)
		logged(prefix+"b", "sent")
		if n := len(to(email)); n != 1 {
			t.Errorf("SendGrid got %d emails, want 1", n)
		}
	})

	t.Run("400 fails for good", func(t *testing.T) {
		email := "ona.c@example.com"
		sg.FailNext(1, http.StatusBadRequest, 0)
		order(prefix+"c", email)
		logged(prefix+"c", "failed")
		time.Sleep(6 * time.Second) // past the activity's first retry interval
		if n := len(to(email)); n != 0 {
			t.Errorf("SendGrid got %d emails after a permanent refusal, want none", n)
		}
	})
}
