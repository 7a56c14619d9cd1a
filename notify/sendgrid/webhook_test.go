package sendgrid_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/sendgrid"
)

// eventsBody is an Event Webhook batch shaped like the examples in SendGrid's Event Webhook
// reference: one of each delivery event plus engagement, with custom args at the top level.
const eventsBody = `[
  {"email":"ada@example.com","timestamp":1715072400,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>",
   "event":"processed","category":["shipping"],"sg_event_id":"rbtnWrG1DVDGGGFHFyun0A==",
   "sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","notification_id":"n-42","order_id":"o1"},
  {"email":"ada@example.com","timestamp":1715072405,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>",
   "event":"deferred","category":"shipping","sg_event_id":"t7LEShmowp86DTdUW8M-GQ==",
   "sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","response":"400 try again later",
   "attempt":"5","notification_id":"n-42","order_id":"o1"},
  {"email":"ada@example.com","timestamp":1715072460,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>",
   "event":"delivered","category":["shipping"],"sg_event_id":"rWVYmVk90MjZJ9iohOBa3w==",
   "sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","response":"250 OK","tls":1,
   "ip":"168.1.1.1","notification_id":"n-42","order_id":"o1"},
  {"email":"bob@example.com","timestamp":1715072461,"smtp-id":"<24c5d75ce93.dfd.64b469@ismtpd-555>",
   "event":"bounce","category":["shipping"],"sg_event_id":"6g4ZI7SA-xmRDv57GoPIPw==",
   "sg_message_id":"24c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
   "reason":"500 unknown recipient","status":"5.0.0","type":"bounce","bounce_classification":"Invalid Address",
   "notification_id":"n-43"},
  {"email":"eve@example.com","timestamp":1715072462,"smtp-id":"<34c5d75ce93.dfd.64b469@ismtpd-555>",
   "event":"dropped","category":["shipping"],"sg_event_id":"zmzJhfJgAfUSOW80yEbPyw==",
   "sg_message_id":"34c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","reason":"Bounced Address",
   "status":"5.0.0","notification_id":"n-44"},
  {"email":"ada@example.com","timestamp":1715073000,"event":"open","sg_machine_open":false,
   "useragent":"Mozilla/4.0 (compatible; MSIE 6.1; Windows XP; .NET CLR 1.1.4322; .NET CLR 2.0.50727)",
   "ip":"255.255.255.255","sg_event_id":"FOTFFO0ecsBE-zxFXfs6WA==",
   "sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","notification_id":"n-42","order_id":"o1"},
  {"email":"ada@example.com","timestamp":1715073060,"event":"click","url":"https://track.example/o1",
   "url_offset":{"index":0,"type":"html"},"sg_event_id":"kCAi1KttyQdEKHhdC-nuEA==",
   "sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","notification_id":"n-42","order_id":"o1"},
  {"email":"ada@example.com","timestamp":1715073100,"event":"spamreport","sg_event_id":"37nvH5QBz858KGVYCM5_jQ==",
   "sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","notification_id":"n-42","order_id":"o1"},
  {"email":"ada@example.com","timestamp":1715073200,"event":"unsubscribe","sg_event_id":"M2y_1pMvsVEEt8GPObXhBw==",
   "sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","notification_id":"n-42","order_id":"o1"}
]`

func TestParseEvents(t *testing.T) {
	events, err := sendgrid.ParseEvents([]byte(eventsBody))
	if err != nil {
		t.Fatalf("ParseEvents: %v", err)
	}
	wantTypes := []string{"processed", "deferred", "delivered", "bounce", "dropped", "open", "click", "spamreport", "unsubscribe"}
	if len(events) != len(wantTypes) {
		t.Fatalf("got %d events, want %d", len(events), len(wantTypes))
	}
	for i, e := range events {
		if e.Event != wantTypes[i] {
			t.Errorf("event %d = %q, want %q", i, e.Event, wantTypes[i])
		}
		if e.Email == "" || e.EventID == "" || e.Timestamp.IsZero() || e.Args["notification_id"] == "" {
			t.Errorf("event %d = %+v, missing fields", i, e)
		}
	}
	first := events[0]
	if first.XMessageID() != "14c5d75ce93" || first.MessageID != "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0" {
		t.Errorf("message ids %q / %q", first.MessageID, first.XMessageID())
	}
	if !first.Timestamp.Equal(time.Unix(1715072400, 0)) {
		t.Errorf("Timestamp = %v", first.Timestamp)
	}
	if len(first.Args) != 2 || first.Args["order_id"] != "o1" {
		t.Errorf("Args = %v, want only the custom args", first.Args)
	}
	if events[1].Reason != "400 try again later" {
		t.Errorf("deferred Reason = %q, want the server response", events[1].Reason)
	}
	if events[3].Reason != "500 unknown recipient" || events[4].Reason != "Bounced Address" {
		t.Errorf("bounce/dropped reasons %q, %q", events[3].Reason, events[4].Reason)
	}
	if len(events[6].Args) != 2 {
		t.Errorf("click Args = %v: url and url_offset are SendGrid's fields", events[6].Args)
	}
}

func TestParseEventsRejectsMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":       `{`,
		"object":         `{"event":"delivered"}`,
		"null element":   `[null]`,
		"number element": `[1]`,
		"no event":       `[{"email":"a@example.com","timestamp":1}]`,
		"bad timestamp":  `[{"event":"delivered","timestamp":"yesterday"}]`,
		"neg timestamp":  `[{"event":"delivered","timestamp":-5}]`,
	} {
		if _, err := sendgrid.ParseEvents([]byte(body)); err == nil {
			t.Errorf("%s: parsed %s", name, body)
		}
	}
	if events, err := sendgrid.ParseEvents([]byte(`[]`)); err != nil || len(events) != 0 {
		t.Errorf("empty batch: %v, %v", events, err)
	}
}

func TestVerifyEventWebhook(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	key, err := sendgrid.ParsePublicKey(sg.PublicKey())
	if err != nil {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	body := sg.Events("delivered", providertest.SendGridMessage{MessageID: "abc", To: "ada@example.com", CustomArgs: map[string]string{"notification_id": "n-1"}})
	sig, ts := sg.SignEvents(body)
	if !sendgrid.VerifyEventWebhook(key, sig, ts, body) {
		t.Fatal("a signature made by the stand-in does not verify")
	}
	events, err := sendgrid.ParseEvents(body)
	if err != nil || len(events) != 1 || events[0].XMessageID() != "abc" || events[0].Args["notification_id"] != "n-1" {
		t.Errorf("stand-in events parse to %+v, %v", events, err)
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-3] ^= 1
	for name, tc := range map[string]struct {
		key           *ecdsa.PublicKey
		sig, ts, body string
	}{
		"tampered body":  {key, sig, ts, string(tampered)},
		"other time":     {key, sig, "1", string(body)},
		"other key":      {&other.PublicKey, sig, ts, string(body)},
		"nil key":        {nil, sig, ts, string(body)},
		"no signature":   {key, "", ts, string(body)},
		"no timestamp":   {key, sig, "", string(body)},
		"not base64":     {key, "%%%", ts, string(body)},
		"not a sig":      {key, base64.StdEncoding.EncodeToString([]byte("junk")), ts, string(body)},
		"other body sig": {key, signOtherBody(t, sg, body), ts, string(body)},
		"whitespace add": {key, sig, ts, string(body) + "\n"},
	} {
		if sendgrid.VerifyEventWebhook(tc.key, tc.sig, tc.ts, []byte(tc.body)) {
			t.Errorf("%s: verified", name)
		}
	}
}

// signOtherBody signs a body one byte shorter: a valid signature over another payload.
func signOtherBody(t *testing.T, sg *providertest.SendGrid, body []byte) string {
	t.Helper()
	sig, _ := sg.SignEvents(body[:len(body)-1])
	return sig
}

func TestParsePublicKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	b64 := base64.StdEncoding.EncodeToString(der)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	for _, s := range []string{b64, " " + b64 + "\n", pemKey} {
		k, err := sendgrid.ParsePublicKey(s)
		if err != nil || !k.Equal(&ec.PublicKey) {
			t.Errorf("ParsePublicKey(%q) = %v, %v", s, k, err)
		}
	}

	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsaDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	for name, s := range map[string]string{
		"empty":      "",
		"not base64": "not base64!",
		"not DER":    base64.StdEncoding.EncodeToString([]byte("junk")),
		"RSA key":    base64.StdEncoding.EncodeToString(rsaDER),
		"P-384 key":  base64.StdEncoding.EncodeToString(p384DER),
	} {
		if _, err := sendgrid.ParsePublicKey(s); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func FuzzParseEvents(f *testing.F) {
	f.Add([]byte(eventsBody))
	f.Add([]byte(`[{"event":"delivered","timestamp":1.5e9,"custom_args":{"a":"b"},"unique_args":{"c":1}}]`))
	f.Add([]byte(`[{"event":"x","timestamp":"123"}]`))
	f.Add([]byte(`[{}]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := sendgrid.ParseEvents(body)
		if err != nil {
			return
		}
		for _, e := range events {
			if e.Event == "" || e.Args == nil {
				t.Errorf("accepted event %+v", e)
			}
			if len(e.XMessageID()) > len(e.MessageID) {
				t.Errorf("XMessageID %q longer than MessageID %q", e.XMessageID(), e.MessageID)
			}
		}
		// Parsing is deterministic.
		again, err := sendgrid.ParseEvents(body)
		if err != nil || len(again) != len(events) {
			t.Errorf("second parse: %d events, %v", len(again), err)
		}
	})
}
