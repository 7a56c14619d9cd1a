package whatsapp_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/shipflow/shipflow/notify/whatsapp"
)

// FuzzVerify feeds signature headers and bodies to the verifier: it must not panic, must
// accept what Sign made, and must accept nothing else than that signature (hex in any case).
func FuzzVerify(f *testing.F) {
	f.Add("app-secret", "sha256=d3e4f9da0ce6c71ab3dba55929b8eeeee2455349e534924ead19f98d143e904f", []byte(`{"object":"whatsapp_business_account","entry":[]}`))
	f.Add("app-secret", "sha256=D3E4F9DA0CE6C71AB3DBA55929B8EEEEE2455349E534924EAD19F98D143E904F", []byte(`{"object":"whatsapp_business_account","entry":[]}`))
	f.Add("s", "sha256=", []byte{})
	f.Add("s", "sha1=abc", []byte("x"))
	f.Add("", "sha256=00", []byte("\x00"))
	f.Fuzz(func(t *testing.T, secret, header string, body []byte) {
		ok := whatsapp.Verify(secret, header, body)
		want := whatsapp.Sign(secret, body)
		if ok && !strings.EqualFold(header, want) {
			t.Errorf("accepted %q for a body whose signature is %s", header, want)
		}
		if secret != "" && !whatsapp.Verify(secret, want, body) {
			t.Errorf("its own signature %s does not verify", want)
		}
	})
}

// FuzzParseWebhook feeds webhook bodies to the parser: it must not panic, and what it accepts
// keeps the limits shipflow stores and logs by.
func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","statuses":[{"id":"wamid.HBgL=","status":"failed","recipient_id":"37060012345","errors":[{"code":131047,"title":"Re-engagement message"}]}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.A","from":"3706","type":"text","text":{"body":"STOP"}}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.A","from":"3706","type":"button","button":{"text":"Stop"}}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"wamid.\u0000","status":"sent"}]}}]}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		wh, err := whatsapp.ParseWebhook(body)
		if err != nil {
			return
		}
		for _, s := range wh.Statuses {
			if s.MessageID == "" || len(s.MessageID) > whatsapp.MaxMessageID || s.Status == "" || strings.ContainsFunc(s.MessageID+s.Status+s.RecipientID, unicode.IsControl) {
				t.Errorf("accepted status %+v", s)
			}
			if len(s.Reason()) > 1000 {
				t.Errorf("reason of %d bytes", len(s.Reason()))
			}
		}
		for _, x := range wh.Texts {
			if x.From == "" || len(x.From) > whatsapp.MaxWAID || strings.ContainsRune(x.Body, 0) || x.MessageID == "" {
				t.Errorf("accepted text %+v", x)
			}
		}
	})
}
