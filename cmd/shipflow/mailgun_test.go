package main

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/notify/providertest"
)

// TestEmailThroughMailgun runs the whole path with Mailgun as the email provider (EU region,
// through its URL override): a signed commerce event, the order workflow, the notify activity,
// the Mailgun client and the stand-in, which checks the basic auth, the domain and the form
// as Mailgun does. It checks the message, the log entry, a signed delivered event coming back
// through /webhooks/mailgun/events, and each failure class: a 503 is retried and sent once, a
// 400 fails for good.
func TestEmailThroughMailgun(t *testing.T) {
	const key, domain, signing = "key-whole-path", "mg.store.example", "whole-path-signing-key"
	mg := providertest.NewMailgun(t, key, domain, signing)
	s := startStack(t, map[string]string{
		"MAILGUN_API_KEY": key, "MAILGUN_DOMAIN": domain, "MAILGUN_FROM": "Shop <shop@" + domain + ">",
		"MAILGUN_REGION": "eu", "MAILGUN_API_URL": mg.URL(), "MAILGUN_WEBHOOK_SIGNING_KEY": signing,
		"SHIPFLOW_TRACKING_SECRET": "mailgun-tracking-secret",
	})
	prefix := fmt.Sprintf("mg-%d-", time.Now().UnixNano())
	order := func(id, email string) {
		t.Helper()
		s.confirm(id, map[string]any{"name": "Ona Petraitė", "email": email, "locale": "en", "time_zone": "Europe/Vilnius"}, "email")
	}
	to := func(email string) []providertest.MailgunMessage {
		var out []providertest.MailgunMessage
		for _, m := range mg.Messages() {
			if m.To == email {
				out = append(out, m)
			}
		}
		return out
	}

	t.Run("sent, delivered event applied", func(t *testing.T) {
		email := "ona.mg.a@example.com"
		order(prefix+"a", email)
		entry := s.logged(prefix+"a", "sent")
		msgs := to(email)
		if len(msgs) != 1 {
			t.Fatalf("Mailgun got %d emails for %s, want 1", len(msgs), email)
		}
		m := msgs[0]
		if entry["provider"] != "mailgun" || entry["provider_message_id"] != m.MessageID {
			t.Errorf("log entry %v, want provider mailgun and the message id %s", entry, m.MessageID)
		}
		if m.Domain != domain || m.Subject == "" || m.Text == "" || m.HTML == "" || m.Vars["order_id"] != prefix+"a" {
			t.Errorf("sent %+v", m)
		}
		body := mg.Webhook(mailgun.EventDelivered, "", m)
		resp, err := http.Post(s.base+"/webhooks/mailgun/events", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("signed event: %d", resp.StatusCode)
		}
		s.logged(prefix+"a", "delivered")
	})

	t.Run("503 is retried and sent once", func(t *testing.T) {
		email := "ona.mg.b@example.com"
		mg.FailNext(1, http.StatusServiceUnavailable, 0)
		order(prefix+"b", email)
		s.logged(prefix+"b", "sent")
		if n := len(to(email)); n != 1 {
			t.Errorf("Mailgun got %d emails, want 1", n)
		}
	})

	t.Run("400 fails for good", func(t *testing.T) {
		email := "ona.mg.c@example.com"
		mg.FailNext(1, http.StatusBadRequest, 0)
		order(prefix+"c", email)
		s.logged(prefix+"c", "failed")
		time.Sleep(6 * time.Second) // past the activity's first retry interval
		if n := len(to(email)); n != 0 {
			t.Errorf("Mailgun got %d emails after a permanent refusal, want none", n)
		}
	})
}
