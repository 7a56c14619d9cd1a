package twilio_test

import (
	"net/url"
	"testing"

	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/twilio"
)

const callbackURL = "https://shipflow.example/webhooks/twilio/status?n=42"

func statusForm() url.Values {
	return url.Values{
		"MessageSid":    {"SM0123456789abcdef0123456789abcdef"},
		"MessageStatus": {"undelivered"},
		"ErrorCode":     {"30003"},
		"To":            {"+447700900123"},
		"AccountSid":    {accountSID},
	}
}

func TestVerifyRequest(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	form := statusForm()
	sig := tw.SignCallback(callbackURL, form)

	if !twilio.VerifyRequest(authToken, callbackURL, form, sig) {
		t.Fatal("a signature made by the stand-in does not verify")
	}

	tampered := statusForm()
	tampered.Set("MessageStatus", "delivered")
	inbound := url.Values{"From": {"+447700900123"}, "Body": {"STOP"}}
	for name, tc := range map[string]struct {
		token, url string
		form       url.Values
		sig        string
	}{
		"tampered form":   {authToken, callbackURL, tampered, sig},
		"extra parameter": {authToken, callbackURL, addParam(statusForm(), "Extra", "1"), sig},
		"other URL":       {authToken, "https://shipflow.example/webhooks/twilio/status?n=43", form, sig},
		"other token":     {"othertoken", callbackURL, form, sig},
		"empty token":     {"", callbackURL, form, sig},
		"no signature":    {authToken, callbackURL, form, ""},
		"garbage":         {authToken, callbackURL, form, "not base64 at all"},
		"other request":   {authToken, callbackURL, inbound, sig},
	} {
		if twilio.VerifyRequest(tc.token, tc.url, tc.form, tc.sig) {
			t.Errorf("%s: verified", name)
		}
	}

	// An inbound STOP signed for its own URL verifies.
	inboundURL := "https://shipflow.example/webhooks/twilio/inbound"
	if !twilio.VerifyRequest(authToken, inboundURL, inbound, tw.SignCallback(inboundURL, inbound)) {
		t.Error("inbound message signature does not verify")
	}
}

// TestSignCallbackStatusForm checks the stand-in's status callback form verifies end to end.
func TestSignCallbackStatusForm(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	form := tw.StatusCallback(providertest.TwilioMessage{SID: "SM0123456789abcdef0123456789abcdef", To: customer, From: fromNumber}, "failed", 30008)
	if form.Get("MessageStatus") != "failed" || form.Get("ErrorCode") != "30008" {
		t.Errorf("form = %v", form)
	}
	if !twilio.VerifyRequest(authToken, callbackURL, form, tw.SignCallback(callbackURL, form)) {
		t.Error("status callback does not verify")
	}
}

func addParam(v url.Values, k, val string) url.Values {
	v.Set(k, val)
	return v
}

func FuzzVerifyRequest(f *testing.F) {
	f.Add("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", "Digits=1234&To=%2B18005551212", "vOEb5UThFn24KEfnOFLQY2AE5FY=")
	f.Add("tok", "http://[::1]:80/x", "a=1&a=2", "")
	f.Add("tok", "%zz://bad", "%", "===")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, token, rawURL, rawForm, sig string) {
		form, _ := url.ParseQuery(rawForm)
		ok := twilio.VerifyRequest(token, rawURL, form, sig)
		if ok && (token == "" || sig == "") {
			t.Errorf("verified with token %q and signature %q", token, sig)
		}
		// Whatever the input, a signature computed by the stand-in's independent code
		// verifies when the form has one value per key.
		if token != "" && len(form) > 0 && singleValued(form) {
			if _, err := url.Parse(rawURL); err == nil {
				if !twilio.VerifyRequest(token, rawURL, form, providertest.TwilioSignature(token, rawURL, form)) {
					t.Errorf("stand-in signature for %q %v does not verify", rawURL, form)
				}
			}
		}
	})
}

func singleValued(form url.Values) bool {
	for _, vs := range form {
		if len(vs) != 1 {
			return false
		}
	}
	return true
}
