package providertest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/shipflow/shipflow/notify/providertest"
)

var snsCreds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}

// snsPost signs form as the SDK would and then posts body (the signed form unless tampered).
func snsPost(t *testing.T, base string, form url.Values, body string, at time.Time) (int, string) {
	t.Helper()
	signed := form.Encode()
	if body == "" {
		body = signed
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(signed))
	if err := v4.NewSigner().SignHTTP(context.Background(), snsCreds, req, hex.EncodeToString(sum[:]), "sns", "eu-west-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSNSChecksRequestsAsSNSDoes(t *testing.T) {
	st := providertest.NewSNS(t, snsCreds, "eu-west-1")
	ok := url.Values{"Action": {"Publish"}, "Version": {"2010-03-31"}, "PhoneNumber": {"+447700900123"}, "Message": {"hi"},
		"MessageAttributes.entry.1.Name": {"AWS.SNS.SMS.SMSType"}, "MessageAttributes.entry.1.Value.DataType": {"String"},
		"MessageAttributes.entry.1.Value.StringValue": {"Transactional"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range ok {
			f[key] = vs
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	now := time.Now()
	cases := []struct {
		name   string
		form   url.Values
		body   string
		at     time.Time
		status int
		want   string
	}{
		{"valid", ok, "", now, 200, "<MessageId>"},
		{"tampered body", ok, strings.Replace(ok.Encode(), "hi", "ho", 1), now, 403, "<Code>SignatureDoesNotMatch</Code>"},
		{"stale date", ok, "", now.Add(-time.Hour), 400, "<Code>RequestExpired</Code>"},
		{"no action", with("Action", ""), "", now, 400, "<Code>MissingAction</Code>"},
		{"other action", with("Action", "Subscribe"), "", now, 400, "<Code>InvalidAction</Code>"},
		{"no version", with("Version", ""), "", now, 400, "<Code>InvalidAction</Code>"},
		{"bad number", with("PhoneNumber", "0770"), "", now, 400, "<Code>InvalidParameter</Code>"},
		{"empty message", with("Message", ""), "", now, 400, "<Code>InvalidParameter</Code>"},
		{"bad type", with("MessageAttributes.entry.1.Value.StringValue", "Urgent"), "", now, 400, "<Code>ParameterValueInvalid</Code>"},
	}
	for _, c := range cases {
		status, body := snsPost(t, st.URL(), c.form, c.body, c.at)
		if status != c.status || !strings.Contains(body, c.want) || !strings.Contains(body, "http://sns.amazonaws.com/doc/2010-03-31/") {
			t.Errorf("%s: %d %s, want %d with %s", c.name, status, body, c.status, c.want)
		}
	}
	if n := len(st.Messages()); n != 1 {
		t.Errorf("accepted %d messages, want 1", n)
	}
	resp, err := http.Post(st.URL()+"/", "application/x-www-form-urlencoded", strings.NewReader(ok.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "MissingAuthenticationToken") {
		t.Errorf("unsigned: %d %s", resp.StatusCode, b)
	}
}
