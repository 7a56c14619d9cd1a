package whatsapp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/whatsapp"
)

func TestSignatureAsDocumented(t *testing.T) {
	// HMAC-SHA256 of the body keyed with the app secret, hex, computed independently of Sign:
	// printf '{"object":"whatsapp_business_account","entry":[]}' | openssl dgst -sha256 -hmac app-secret
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	const want = "sha256=d3e4f9da0ce6c71ab3dba55929b8eeeee2455349e534924ead19f98d143e904f"
	got := whatsapp.Sign("app-secret", body)
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !whatsapp.Verify("app-secret", got, body) || !whatsapp.Verify("app-secret", "sha256="+strings.ToUpper(got[7:]), body) {
		t.Error("a signature does not verify (in upper-case hex too)")
	}
	for name, h := range map[string]string{
		"other secret": whatsapp.Sign("another", body), "no prefix": got[7:], "sha1": "sha1=" + got[7:],
		"short": got[:40], "empty": "", "not hex": "sha256=" + strings.Repeat("z", 64), "long": got + strings.Repeat("0", 200),
	} {
		if whatsapp.Verify("app-secret", h, body) {
			t.Errorf("%s: verifies", name)
		}
	}
	if whatsapp.Verify("app-secret", got, append(body, ' ')) {
		t.Error("a changed body verifies")
	}
	if whatsapp.Verify("", whatsapp.Sign("", body), body) {
		t.Error("an empty secret verifies")
	}
}

func TestParseStatusesAndTexts(t *testing.T) {
	wa := providertest.NewWhatsApp(t, token, numberID, appSecret)
	m := providertest.WhatsAppMessage{ID: "wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQTdCNTg5RjY1MEMyRjlGMjRGNgA=", To: "37060012345"}
	for _, tc := range []struct {
		status string
		codes  []int
		log    notify.Status
		reason string
	}{
		{whatsapp.StatusSent, nil, notify.StatusSent, ""},
		{whatsapp.StatusDelivered, nil, notify.StatusDelivered, ""},
		{whatsapp.StatusRead, nil, notify.StatusDelivered, ""},
		{whatsapp.StatusFailed, []int{131047}, notify.StatusFailed, "whatsapp error 131047: Re-engagement message"},
	} {
		body := wa.StatusWebhook(m, tc.status, tc.codes...)
		if !whatsapp.Verify(appSecret, wa.SignWebhook(body), body) {
			t.Errorf("%s: the stand-in's signature does not verify", tc.status)
		}
		wh, err := whatsapp.ParseWebhook(body)
		if err != nil {
			t.Fatalf("%s: %v", tc.status, err)
		}
		if len(wh.Statuses) != 1 || len(wh.Texts) != 0 {
			t.Fatalf("%s: parsed %+v", tc.status, wh)
		}
		s := wh.Statuses[0]
		st, ok := whatsapp.LogStatus(s.Status)
		if s.MessageID != m.ID || s.RecipientID != m.To || !ok || st != tc.log || s.Reason() != tc.reason {
			t.Errorf("%s: parsed %+v (log %s, reason %q)", tc.status, s, st, s.Reason())
		}
	}
	wh, err := whatsapp.ParseWebhook(wa.TextWebhook("37060012345", " stop\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(wh.Texts) != 1 || wh.Texts[0].From != "37060012345" || wh.Texts[0].Body != " stop\n" || whatsapp.Address(wh.Texts[0].From) != "+37060012345" {
		t.Errorf("parsed %+v", wh)
	}
	if k, _ := notify.KeywordOf(wh.Texts[0].Body); k != notify.KeywordStop {
		t.Errorf("keyword of %q = %q", wh.Texts[0].Body, k)
	}
}

func TestParseRefusesOtherShapes(t *testing.T) {
	const status = `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[%s]}}]}]}`
	const text = `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[%s]}}]}]}`
	for _, body := range []string{
		``, `[]`, `{}`, `{"object":"page","entry":[]}`, `{"object":"whatsapp_business_account","entry":{}}`,
		strings.Replace(status, "%s", `{"status":"sent"}`, 1),
		strings.Replace(status, "%s", `{"id":"wamid.a b","status":"sent"}`, 1),
		strings.Replace(status, "%s", `{"id":"wamid.`+strings.Repeat("A", 130)+`","status":"sent"}`, 1),
		strings.Replace(status, "%s", `{"id":"wamid.A","status":"sent\u0000"}`, 1),
		strings.Replace(status, "%s", `{"id":"wamid.A","status":"sent","recipient_id":"+370"}`, 1),
		strings.Replace(text, "%s", `{"id":"wamid.A","type":"text","text":{"body":"STOP"}}`, 1),
		strings.Replace(text, "%s", `{"id":"wamid.A","from":"3706","type":"text","text":{"body":"ST\u0000OP"}}`, 1),
		strings.Replace(text, "%s", `{"id":"wamid.A","from":"3706","type":"text","text":{"body":"`+strings.Repeat("x", 4097)+`"}}`, 1),
		strings.Replace(text, "%s", `{"from":"3706","type":"text","text":{"body":"STOP"}}`, 1),
	} {
		if _, err := whatsapp.ParseWebhook([]byte(body)); err == nil {
			t.Errorf("%.120s: parsed", body)
		}
	}
	// Other fields and message types are skipped, not refused.
	for _, body := range []string{
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"account_update","value":{"statuses":[{}]}}]}]}`,
		strings.Replace(text, "%s", `{"id":"wamid.A","from":"3706","type":"image","image":{"id":"1"}}`, 1),
	} {
		wh, err := whatsapp.ParseWebhook([]byte(body))
		if err != nil || len(wh.Statuses)+len(wh.Texts) != 0 {
			t.Errorf("%s: %+v, %v", body, wh, err)
		}
	}
	wh, err := whatsapp.ParseWebhook([]byte(strings.Replace(text, "%s", `{"id":"wamid.A","from":"3706","type":"button","button":{"text":"Stop","payload":"x"}}`, 1)))
	if err != nil || len(wh.Texts) != 1 || wh.Texts[0].Body != "Stop" {
		t.Errorf("a quick reply: %+v, %v", wh, err)
	}
}

func TestChallenge(t *testing.T) {
	if c, err := whatsapp.Challenge("subscribe", "verify-me", "1158201444", "verify-me"); err != nil || c != "1158201444" {
		t.Errorf("handshake: %q, %v", c, err)
	}
	for _, tc := range []struct {
		mode, token, challenge, ours string
		want                         error
	}{
		{"unsubscribe", "verify-me", "1", "verify-me", whatsapp.ErrNotSubscribe},
		{"subscribe", "guess", "1", "verify-me", whatsapp.ErrVerifyToken},
		{"subscribe", "", "1", "", whatsapp.ErrVerifyToken},
		{"subscribe", "verify-me", "<script>", "verify-me", whatsapp.ErrChallenge},
		{"subscribe", "verify-me", "", "verify-me", whatsapp.ErrChallenge},
		{"subscribe", "verify-me", strings.Repeat("1", 65), "verify-me", whatsapp.ErrChallenge},
	} {
		if _, err := whatsapp.Challenge(tc.mode, tc.token, tc.challenge, tc.ours); !errors.Is(err, tc.want) {
			t.Errorf("%+v: %v, want %v", tc, err, tc.want)
		}
	}
}
