package outbound

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCRMAnswers: whatever HubSpot's or Salesforce's answer holds (body, rate headers, the
// token endpoint's JSON), reading it never panics, never turns a refusal into a delivery,
// waits within the schedule's reach, keeps errors storable, and never keeps a token's answer.
func FuzzCRMAnswers(f *testing.F) {
	for _, s := range []string{"", "null", "[]", "{}", `[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]`,
		`[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]`, `[{"errorCode":"NOT_FOUND"}]`,
		`{"success":false,"errors":[]}`, `{"id":"e01","success":true,"errors":[{"statusCode":"OPERATION_ENQUEUED"}]}`,
		`{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`,
		`{"status":"error","message":"Property values were not valid: PROPERTY_DOESNT_EXIST","category":"VALIDATION_ERROR"}`,
		`{"access_token":"00D!abc","instance_url":"https://x"}`, `{"access_token":"a b\n"}`, `{"access_token":"x","expires_in":"7200"}`,
		`{"access_token":"x","expires_in":-5}`, `{"error":"invalid_client","error_description":"invalid client credentials"}`,
		"\x00\xff", strings.Repeat("[", 5000)} {
		for _, st := range []int{200, 201, 400, 401, 403, 404, 429, 503} {
			f.Add(s, st, "10000")
		}
	}
	f.Add("", 429, "-1")
	f.Add("", 429, "99999999999999999999")
	f.Fuzz(func(t *testing.T, body string, status int, interval string) {
		base := Result{Status: status, Body: text([]byte(body))}
		switch {
		case status >= 200 && status < 300:
			base.Outcome = Delivered
		case status == 429 || status >= 500:
			base.Outcome = Retry
		case status == 401 || status == 403:
			base.Outcome = Gone
		default:
			base.Outcome = Failed
		}
		h := http.Header{}
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", interval)
		for _, r := range []Result{hubSpotResult(base, h), salesforceResult(base, "Shipflow_Milestone__e")} {
			if base.Outcome != Delivered && r.Outcome == Delivered {
				t.Fatalf("a %d became delivered: %+v", status, r)
			}
			if r.RetryAfter < 0 || r.RetryAfter > 10*time.Hour || !utf8.ValidString(r.Err) || strings.ContainsRune(r.Err, 0) {
				t.Fatalf("%+v", r)
			}
		}
		tok, life, r := salesforceToken(base)
		if tok != "" && (base.Outcome != Delivered || life <= 0 || life > salesforceTokenLife || r.Body != "" || !tokenText.MatchString(tok)) {
			t.Fatalf("token %q for %+v: life %v, result %+v", tok, base, life, r)
		}
		if tok == "" && r.Outcome == Delivered {
			t.Fatalf("no token yet delivered: %+v", r)
		}
	})
}

// FuzzCRMChecks: whatever a merchant sends as a Salesforce instance URL, credentials or
// options, or a HubSpot token, the checks never panic, and what they accept has no byte that
// could break a header, a form or a URL path.
func FuzzCRMChecks(f *testing.F) {
	for _, s := range []string{"", "https://acme.my.salesforce.com", "https://acme.my.salesforce.com/", "http://127.0.0.1:9/x",
		"https://u:p@h", "Shipflow_Milestone__e", "ns__E__e", "v62.0", "pat-na1-1234", "a\nb", "a b", "\x00", "é",
		"Bad__Name__x__e", strings.Repeat("a", 600)} {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, u, cred, opt string) {
		if checkSalesforce(u, map[string]string{SalesforceClientID: cred, SalesforceClientSecret: cred,
			SalesforceEventObject: opt, SalesforceAPIVersion: opt}) == nil {
			if !tokenText.MatchString(cred) || strings.ContainsAny(opt, "/?#%. \x00") && !salesforceVersion.MatchString(opt) {
				t.Fatalf("accepted %q %q %q", u, cred, opt)
			}
		}
		if checkHubSpot(HubSpotURL, map[string]string{HubSpotToken: cred}) == nil && (len(cred) > maxCredential || strings.ContainsAny(cred, " \r\n\x00\"")) {
			t.Fatalf("token %q accepted", cred)
		}
	})
}
