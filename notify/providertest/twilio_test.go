package providertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/notify/providertest"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
)

// TestTwilioSignatureVector checks the independent signer against the vector twilio-go's own
// validator tests use.
func TestTwilioSignatureVector(t *testing.T) {
	form := url.Values{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"},
		"ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
	got := providertest.TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form)
	if want := "vOEb5UThFn24KEfnOFLQY2AE5FY="; got != want {
		t.Errorf("signature = %q, want %q", got, want)
	}
}

type twilioAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func postMessage(t *testing.T, tw *providertest.Twilio, user, pass string, form url.Values) twilioAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, tw.URL()+"/2010-04-01/Accounts/"+accountSID+"/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) twilioAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := twilioAnswer{status: resp.StatusCode, header: resp.Header}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func TestTwilioAcceptsAndRecords(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	a := postMessage(t, tw, accountSID, authToken, url.Values{
		"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"hello"},
		"StatusCallback": {"https://shipflow.example/cb"},
	})
	if a.status != http.StatusCreated {
		t.Fatalf("status %d, body %v", a.status, a.body)
	}
	sid, _ := a.body["sid"].(string)
	if len(sid) != 34 || !strings.HasPrefix(sid, "SM") || a.body["status"] != "queued" || a.body["to"] != "+447700900123" ||
		a.body["account_sid"] != accountSID || a.body["num_segments"] != "1" || a.body["error_code"] != nil {
		t.Errorf("resource %v", a.body)
	}
	if _, err := time.Parse(time.RFC1123Z, a.body["date_created"].(string)); err != nil {
		t.Errorf("date_created: %v", err)
	}
	msgs := tw.Messages()
	if len(msgs) != 1 || msgs[0].SID != sid || msgs[0].StatusCallback != "https://shipflow.example/cb" {
		t.Errorf("recorded %+v", msgs)
	}
}

func TestTwilioRefusals(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	ok := url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"hello"}}
	with := func(edit func(url.Values)) url.Values {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = append([]string(nil), vs...)
		}
		edit(v)
		return v
	}
	for name, tc := range map[string]struct {
		form         url.Values
		status, code int
	}{
		"no To":            {with(func(v url.Values) { v.Del("To") }), 400, 21604},
		"local To":         {with(func(v url.Values) { v.Set("To", "07700900123") }), 400, 21211},
		"whatsapp bad To":  {with(func(v url.Values) { v.Set("To", "whatsapp:12") }), 400, 21211},
		"no From":          {with(func(v url.Values) { v.Del("From") }), 400, 21603},
		"bad From":         {with(func(v url.Values) { v.Set("From", "+1-555-NOPE-NOPE") }), 400, 21212},
		"channel mismatch": {with(func(v url.Values) { v.Set("To", "whatsapp:+447700900123") }), 400, 21910},
		"bad service":      {with(func(v url.Values) { v.Del("From"); v.Set("MessagingServiceSid", "+15005550006") }), 400, 21701},
		"no Body":          {with(func(v url.Values) { v.Del("Body") }), 400, 21602},
		"long Body":        {with(func(v url.Values) { v.Set("Body", strings.Repeat("x", 1601)) }), 400, 21617},
		"bad ContentSid":   {with(func(v url.Values) { v.Del("Body"); v.Set("ContentSid", "HX1") }), 400, 21655},
		"bad variables": {with(func(v url.Values) {
			v.Set("ContentSid", "HX0123456789abcdef0123456789abcdef")
			v.Set("ContentVariables", "{1: Ada}")
		}), 400, 21656},
		"bad callback": {with(func(v url.Values) { v.Set("StatusCallback", "/relative") }), 400, 21609},
	} {
		a := postMessage(t, tw, accountSID, authToken, tc.form)
		if a.status != tc.status || a.body["code"] != float64(tc.code) || a.body["status"] != float64(tc.status) {
			t.Errorf("%s: %d %v, want %d code %d", name, a.status, a.body, tc.status, tc.code)
		}
	}
	if n := len(tw.Messages()); n != 0 {
		t.Errorf("recorded %d refused messages", n)
	}

	a := postMessage(t, tw, accountSID, "wrong", ok)
	if a.status != 401 || a.body["code"] != float64(20003) || a.body["message"] != "Authenticate" ||
		a.body["more_info"] != "https://www.twilio.com/docs/errors/20003" {
		t.Errorf("bad auth: %d %v", a.status, a.body)
	}
	req, _ := http.NewRequest(http.MethodGet, tw.URL()+"/2010-04-01/Accounts/"+accountSID+"/Messages.json", nil)
	req.SetBasicAuth(accountSID, authToken)
	if a := do(t, req); a.status != 405 {
		t.Errorf("GET: %d", a.status)
	}
	req, _ = http.NewRequest(http.MethodPost, tw.URL()+"/2010-04-01/Accounts/ACother/Messages.json", strings.NewReader(ok.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(accountSID, authToken)
	if a := do(t, req); a.status != 404 {
		t.Errorf("other account: %d", a.status)
	}
}

func TestTwilioFaults(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	ok := url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"hello"}}

	tw.FailNext(2, http.StatusTooManyRequests, 0)
	for range 2 {
		a := postMessage(t, tw, accountSID, authToken, ok)
		if a.status != 429 || a.header.Get("Retry-After") == "" || a.body["code"] != float64(20429) {
			t.Errorf("FailNext 429: %d %v %v", a.status, a.header, a.body)
		}
	}
	if a := postMessage(t, tw, accountSID, authToken, ok); a.status != 201 {
		t.Errorf("after FailNext: %d", a.status)
	}

	tw.Down(50 * time.Millisecond)
	if a := postMessage(t, tw, accountSID, authToken, ok); a.status != 503 {
		t.Errorf("down: %d", a.status)
	}
	time.Sleep(60 * time.Millisecond)
	if a := postMessage(t, tw, accountSID, authToken, ok); a.status != 201 {
		t.Errorf("after the outage: %d", a.status)
	}
	if n := len(tw.Messages()); n != 2 {
		t.Errorf("recorded %d, want 2", n)
	}
}
