package providertest_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/notify/providertest"
)

const apiKey = "SG.key"

func postMail(t *testing.T, sg *providertest.SendGrid, auth, body string) twilioAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, sg.URL()+"/v3/mail/send", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return do(t, req)
}

// firstError returns the first entry of SendGrid's {"errors":[...]} body.
func firstError(a twilioAnswer) (message string, field any) {
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		return "", nil
	}
	e, _ := errs[0].(map[string]any)
	msg, _ := e["message"].(string)
	return msg, e["field"]
}

const goodMail = `{"personalizations":[{"to":[{"email":"ada@example.com"},{"email":"bob@example.com","name":"Bob"}],
 "custom_args":{"notification_id":"n-1"}}],"from":{"email":"shop@store.example","name":"Shop"},
 "subject":"Shipped","content":[{"type":"text/plain","value":"hi"},{"type":"text/html","value":"<b>hi</b>"}],
 "custom_args":{"tenant":"t1"}}`

func TestSendGridAcceptsAndRecords(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	var hooked []string
	sg.OnAccept = func(m providertest.SendGridMessage) { hooked = append(hooked, m.To) }
	a := postMail(t, sg, "Bearer "+apiKey, goodMail)
	if a.status != http.StatusAccepted || a.header.Get("X-Message-Id") == "" || a.body != nil {
		t.Fatalf("answer %d %v %v", a.status, a.header, a.body)
	}
	msgs := sg.Messages()
	if len(msgs) != 2 || msgs[1].To != "bob@example.com" || msgs[0].MessageID != a.header.Get("X-Message-Id") ||
		msgs[0].HTML != "<b>hi</b>" || msgs[0].CustomArgs["notification_id"] != "n-1" || msgs[0].CustomArgs["tenant"] != "t1" {
		t.Errorf("recorded %+v", msgs)
	}
	if len(hooked) != 2 {
		t.Errorf("OnAccept saw %v", hooked)
	}
}

func TestSendGridRefusals(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	for name, tc := range map[string]struct {
		body, field string
	}{
		"no personalizations": {`{"from":{"email":"a@b.example"},"subject":"s","content":[{"type":"text/plain","value":"v"}]}`, "personalizations"},
		"no to":               {`{"personalizations":[{}],"from":{"email":"a@b.example"},"subject":"s","content":[{"type":"text/plain","value":"v"}]}`, "personalizations.0.to"},
		"bad to":              {`{"personalizations":[{"to":[{"email":"nope"}]}],"from":{"email":"a@b.example"},"subject":"s","content":[{"type":"text/plain","value":"v"}]}`, "personalizations.0.to.0.email"},
		"no from":             {`{"personalizations":[{"to":[{"email":"c@d.example"}]}],"subject":"s","content":[{"type":"text/plain","value":"v"}]}`, "from"},
		"bad from":            {`{"personalizations":[{"to":[{"email":"c@d.example"}]}],"from":{"email":"Shop <a@b.example>"},"subject":"s","content":[{"type":"text/plain","value":"v"}]}`, "from.email"},
		"no subject":          {`{"personalizations":[{"to":[{"email":"c@d.example"}]}],"from":{"email":"a@b.example"},"content":[{"type":"text/plain","value":"v"}]}`, "subject"},
		"no content":          {`{"personalizations":[{"to":[{"email":"c@d.example"}]}],"from":{"email":"a@b.example"},"subject":"s"}`, "content"},
		"empty value":         {`{"personalizations":[{"to":[{"email":"c@d.example"}]}],"from":{"email":"a@b.example"},"subject":"s","content":[{"type":"text/plain","value":""}]}`, "content.0.value"},
		"html first":          {`{"personalizations":[{"to":[{"email":"c@d.example"}]}],"from":{"email":"a@b.example"},"subject":"s","content":[{"type":"text/html","value":"h"},{"type":"text/plain","value":"v"}]}`, "content"},
		"number arg":          {`{"personalizations":[{"to":[{"email":"c@d.example"}],"custom_args":{"n":1}}],"from":{"email":"a@b.example"},"subject":"s","content":[{"type":"text/plain","value":"v"}]}`, "personalizations.0.custom_args.n"},
	} {
		a := postMail(t, sg, "Bearer "+apiKey, tc.body)
		msg, field := firstError(a)
		if a.status != http.StatusBadRequest || field != tc.field || msg == "" {
			t.Errorf("%s: %d %v, want 400 naming %s", name, a.status, a.body, tc.field)
		}
	}
	if a := postMail(t, sg, "Bearer "+apiKey, `{`); a.status != http.StatusBadRequest {
		t.Errorf("broken JSON: %d", a.status)
	}
	if n := len(sg.Messages()); n != 0 {
		t.Errorf("recorded %d refused messages", n)
	}

	for _, auth := range []string{"", "Bearer wrong", apiKey} {
		a := postMail(t, sg, auth, goodMail)
		msg, field := firstError(a)
		if a.status != http.StatusUnauthorized || msg != "The provided authorization grant is invalid, expired, or revoked" || field != nil {
			t.Errorf("auth %q: %d %v", auth, a.status, a.body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, sg.URL()+"/v3/mail/send", strings.NewReader(goodMail))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if a := do(t, req); a.status != http.StatusUnsupportedMediaType {
		t.Errorf("no content type: %d", a.status)
	}
}

func TestSendGridFaults(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	sg.FailNext(1, http.StatusTooManyRequests, 0)
	if a := postMail(t, sg, "Bearer "+apiKey, goodMail); a.status != 429 || a.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("FailNext 429: %d %v", a.status, a.header)
	}
	sg.Down(0)
	if a := postMail(t, sg, "Bearer "+apiKey, goodMail); a.status != 503 {
		t.Errorf("down: %d", a.status)
	}
	sg.Up()
	if a := postMail(t, sg, "Bearer "+apiKey, goodMail); a.status != 202 {
		t.Errorf("up: %d", a.status)
	}
}

// TestSendGridSignEvents verifies the stand-in's signatures with the standard library alone,
// the way SendGrid documents them.
func TestSendGridSignEvents(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	body := sg.Events("bounce", providertest.SendGridMessage{MessageID: "XMSG", To: "ada@example.com", CustomArgs: map[string]string{"notification_id": "n-1"}})
	var events []map[string]any
	if err := json.Unmarshal(body, &events); err != nil || len(events) != 1 {
		t.Fatalf("events %s: %v", body, err)
	}
	e := events[0]
	if e["event"] != "bounce" || e["notification_id"] != "n-1" || !strings.HasPrefix(e["sg_message_id"].(string), "XMSG.") || e["reason"] == nil {
		t.Errorf("event %v", e)
	}

	sig, ts := sg.SignEvents(body)
	der, err := base64.StdEncoding.DecodeString(sg.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatal(err)
	}
	rawSig, _ := base64.StdEncoding.DecodeString(sig)
	sum := sha256.Sum256(append([]byte(ts), body...))
	if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), sum[:], rawSig) {
		t.Error("signature does not verify over timestamp+body")
	}
}

const templateMail = `{"personalizations":[{"to":[{"email":"ada@example.com"}],"custom_args":{"notification_key":"k"},
 "dynamic_template_data":{"first_name":"Ada","items":["Boots"]}}],"from":{"email":"shop@store.example"},
 "template_id":"d-4ad23ad40a0e47d0a0232b85f24ca5c2","headers":{"List-Unsubscribe":"<https://u.example/x>"}}`

func TestSendGridAcceptsDynamicTemplate(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	a := postMail(t, sg, "Bearer "+apiKey, templateMail)
	if a.status != http.StatusAccepted {
		t.Fatalf("answer %d %v: a template send needs neither subject nor content", a.status, a.body)
	}
	m := sg.Messages()[0]
	items, _ := m.TemplateData["items"].([]any)
	if m.TemplateID != "d-4ad23ad40a0e47d0a0232b85f24ca5c2" || m.TemplateData["first_name"] != "Ada" || len(items) != 1 ||
		m.Subject != "" || m.Text != "" || m.CustomArgs["notification_key"] != "k" || m.Headers["List-Unsubscribe"] == "" {
		t.Errorf("recorded %+v", m)
	}
}

func TestSendGridTemplateRefusals(t *testing.T) {
	sg := providertest.NewSendGrid(t, apiKey)
	const head = `{"personalizations":[{"to":[{"email":"c@d.example"}]`
	for name, tc := range map[string]struct {
		body, field, msg string
	}{
		"bad id":        {head + `}],"from":{"email":"a@b.example"},"template_id":"d-123"}`, "template_id", "The template_id must be a valid GUID, you provided 'd-123'."},
		"upper-case id": {head + `}],"from":{"email":"a@b.example"},"template_id":"D-4AD23AD40A0E47D0A0232B85F24CA5C2"}`, "template_id", ""},
		"data a string": {head + `,"dynamic_template_data":"x"}],"from":{"email":"a@b.example"},"template_id":"d-4ad23ad40a0e47d0a0232b85f24ca5c2"}`, "personalizations.0.dynamic_template_data", "Invalid type. Expected: object, given: string."},
		"data a list":   {head + `,"dynamic_template_data":[1]}],"from":{"email":"a@b.example"},"template_id":"d-4ad23ad40a0e47d0a0232b85f24ca5c2"}`, "personalizations.0.dynamic_template_data", ""},
		"no template":   {head + `,"dynamic_template_data":{}}],"from":{"email":"a@b.example"}}`, "subject", ""},
	} {
		a := postMail(t, sg, "Bearer "+apiKey, tc.body)
		msg, field := firstError(a)
		if a.status != http.StatusBadRequest || field != tc.field || msg == "" || (tc.msg != "" && msg != tc.msg) {
			t.Errorf("%s: %d %v, want 400 naming %s", name, a.status, a.body, tc.field)
		}
	}
	if n := len(sg.Messages()); n != 0 {
		t.Errorf("recorded %d refused messages", n)
	}
}
