package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

// TestTwoWayTextThroughTheStack runs a customer's question through shipflow as deployed: a
// confirmed order (a signed commerce event, its workflow, the confirmation sent through the
// Twilio stand-in and projected to the read model), then an inbound text from the order's
// number, signed as Twilio signs it for the public URL (checked with twilio-go's own
// RequestValidator), answered in the webhook's TwiML with the order's status and tracking
// link, and shown in the order's notification log.
func TestTwoWayTextThroughTheStack(t *testing.T) {
	const (
		sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
		public     = "https://shipflow.example.com"
		secret     = "two-way-tracking-secret"
	)
	tw := providertest.NewTwilio(t, sid, token)
	s := startStack(t, map[string]string{
		"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": token, "TWILIO_FROM": "+15005550006", "TWILIO_API_URL": tw.URL(),
		"SHIPFLOW_PUBLIC_URL": public, "SHIPFLOW_TRACKING_SECRET": secret,
	})
	id, phone := fmt.Sprintf("twoway-%d", time.Now().UnixNano()), fmt.Sprintf("+3706%07d", time.Now().UnixNano()%10_000_000)
	s.confirm(id, map[string]any{"name": "Ona", "phone": phone, "locale": "lt-LT", "time_zone": "Europe/Vilnius"}, "sms")
	s.logged(id, "sent")

	ask := func(messageSID string) (int, []string) {
		t.Helper()
		form := url.Values{"From": {phone}, "To": {"+15005550006"}, "Body": {"Kur mano siunta?"}, "MessageSid": {messageSID},
			"AccountSid": {sid}, "FromCountry": {"LT"}, "NumMedia": {"0"}}
		signed := public + "/webhooks/twilio/inbound"
		sig := providertest.TwilioSignature(token, signed, form)
		params := map[string]string{}
		for k := range form {
			params[k] = form.Get(k)
		}
		if v := twclient.NewRequestValidator(token); !v.Validate(signed, params, sig) {
			t.Fatal("twilio-go's RequestValidator refuses the stand-in's signature")
		}
		req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/twilio/inbound", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var doc struct {
			Messages []string `xml:"Message"`
		}
		if resp.StatusCode == http.StatusOK {
			if err := xml.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("TwiML %s: %v", raw, err)
			}
		}
		return resp.StatusCode, doc.Messages
	}

	// The read model is written a moment after the confirmation is sent; a text before it
	// would be answered as from a number on no order.
	testenv.Eventually(t, 20*time.Second, func() bool {
		v, _, err := db.GetOrder(t.Context(), testenv.DB(t), id)
		return err == nil && v.Status == order.StatusConfirmed
	}, "order %s projected as confirmed", id)
	messageSID := fmt.Sprintf("SM%032x", time.Now().UnixNano())
	code, msgs := ask(messageSID)
	if code != http.StatusOK || len(msgs) != 1 {
		t.Fatalf("question: %d %q", code, msgs)
	}
	reply := msgs[0]
	// Twilio retries a webhook that timed out: the same answer, and one log row.
	if code, again := ask(messageSID); code != http.StatusOK || len(again) != 1 || again[0] != reply {
		t.Errorf("retry: %d %q", code, again)
	}
	// A new question within the interval gets no answer.
	if code, none := ask(fmt.Sprintf("SM%032x", time.Now().UnixNano())); code != http.StatusOK || len(none) != 0 {
		t.Errorf("second question within the interval: %d %q", code, none)
	}
	link := tracklink.URL(public, secret, id)
	if !strings.HasPrefix(reply, "Užsakymas "+id+": Patvirtintas.") || !strings.Contains(reply, "Sekite siuntą: "+link) || strings.Contains(reply, "Kur mano") {
		t.Errorf("reply:\n%s", reply)
	}

	code, body := call(t, http.MethodGet, s.base+"/v1/orders/"+id+"/notifications", "ops-token")
	if code != http.StatusOK {
		t.Fatalf("notifications: %d %v", code, body)
	}
	var replies []map[string]any
	for _, x := range body["notifications"].([]any) {
		if m := x.(map[string]any); m["template"] == "reply" {
			replies = append(replies, m)
		}
	}
	if len(replies) != 1 || replies[0]["channel"] != "sms" || replies[0]["status"] != "sent" || replies[0]["provider"] != "twilio" || replies[0]["body"] != reply {
		t.Errorf("logged replies: %v", replies)
	}
	// Twilio's stand-in sent only the confirmation: the reply went back in the TwiML.
	if n := len(tw.Messages()); n != 1 {
		t.Errorf("Twilio's API got %d messages, want the confirmation only", n)
	}
}
