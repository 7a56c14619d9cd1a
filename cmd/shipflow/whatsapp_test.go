package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/whatsapp"
)

// TestWhatsAppThroughCloudAPI runs the whole path with WhatsApp through Meta's Cloud API: a
// signed commerce event, the order workflow, the notify activity, the Cloud API sender and
// the stand-in, which checks the bearer token, the path's version and phone number id, and
// the approved template with its parameter count as Meta does. It checks the template send,
// the log entry, a signed delivered status coming back through /webhooks/whatsapp, and each
// failure class: a throughput limit (130429) is retried and sent once, an undeliverable
// number (131026) fails for good.
func TestWhatsAppThroughCloudAPI(t *testing.T) {
	const (
		token    = "EAAJB-whole-path"
		numberID = "106540352242922"
		secret   = "app-secret-whole-path"
	)
	wa := providertest.NewWhatsApp(t, token, numberID, secret)
	wa.Approve("order_confirmed", "en", 2)
	s := startStack(t, map[string]string{
		"WHATSAPP_CLOUD_ACCESS_TOKEN":    token,
		"WHATSAPP_CLOUD_PHONE_NUMBER_ID": numberID,
		"WHATSAPP_CLOUD_API_URL":         wa.URL(),
		"WHATSAPP_CLOUD_API_VERSION":     "v23.0",
		"WHATSAPP_CLOUD_TEMPLATES":       "confirmed=order_confirmed:en:2",
		"WHATSAPP_CLOUD_APP_SECRET":      secret,
	})
	prefix := fmt.Sprintf("wa-%d-", time.Now().UnixNano())
	order := func(id, phone string) {
		t.Helper()
		s.confirm(id, map[string]any{"name": "Ona Petraitė", "phone": phone, "locale": "en", "time_zone": "Europe/Vilnius"}, "whatsapp")
	}
	to := func(phone string) []providertest.WhatsAppMessage {
		var out []providertest.WhatsAppMessage
		for _, m := range wa.Messages() {
			if "+"+m.To == phone {
				out = append(out, m)
			}
		}
		return out
	}

	t.Run("sent as the template, delivered status applied", func(t *testing.T) {
		phone := "+37060000301"
		order(prefix+"a", phone)
		entry := s.logged(prefix+"a", "sent")
		msgs := to(phone)
		if len(msgs) != 1 {
			t.Fatalf("Meta got %d messages for %s, want 1", len(msgs), phone)
		}
		m := msgs[0]
		if entry["provider"] != whatsapp.Provider || entry["provider_message_id"] != m.ID {
			t.Errorf("log entry %v, want provider %s and the wamid %s", entry, whatsapp.Provider, m.ID)
		}
		if m.Version != "v23.0" || m.PhoneNumberID != numberID || m.Type != "template" || m.Template != "order_confirmed" ||
			m.Language != "en" || strings.Join(m.Parameters, "|") != "Ona|"+prefix+"a" {
			t.Errorf("sent %+v", m)
		}
		body := wa.StatusWebhook(m, whatsapp.StatusDelivered)
		req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/whatsapp", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(whatsapp.SignatureHeader, wa.SignWebhook(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("signed status: %d", resp.StatusCode)
		}
		s.logged(prefix+"a", "delivered")
	})

	t.Run("throughput limit is retried and sent once", func(t *testing.T) {
		phone := "+37060000302"
		before := wa.Requests.Load()
		wa.FailNext(1, http.StatusBadRequest, whatsapp.CodeThroughput)
		order(prefix+"b", phone)
		s.logged(prefix+"b", "sent")
		if n := len(to(phone)); n != 1 {
			t.Errorf("Meta got %d messages, want 1", n)
		}
		if n := wa.Requests.Load() - before; n != 2 {
			t.Errorf("Meta saw %d requests, want the limited one and its retry", n)
		}
	})

	t.Run("undeliverable fails for good", func(t *testing.T) {
		phone := "+37060000303"
		wa.FailNext(1, http.StatusBadRequest, whatsapp.CodeUndeliverable)
		order(prefix+"c", phone)
		entry := s.logged(prefix+"c", "failed")
		if !strings.Contains(fmt.Sprint(entry["error"]), "131026") {
			t.Errorf("log entry %v, want Meta's code 131026", entry)
		}
		time.Sleep(6 * time.Second) // past the activity's first retry interval
		if n := len(to(phone)); n != 0 {
			t.Errorf("Meta got %d messages after a permanent refusal, want none", n)
		}
	})
}
