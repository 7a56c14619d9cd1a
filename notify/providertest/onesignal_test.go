package providertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/notify/providertest"
)

// TestOneSignalChecksRequestsAsOneSignalDoes sends the stand-in requests shipflow's client
// never makes, to show each is refused with OneSignal's status and error body.
func TestOneSignalChecksRequestsAsOneSignalDoes(t *testing.T) {
	const app, key = "5eb5a37e-b458-11e3-ac11-000c2940e62c", "os_v2_app_k"
	st := providertest.NewOneSignal(t, app, key)
	st.Subscribe("u1")
	good := `{"app_id":"` + app + `","include_aliases":{"external_id":["u1"]},"target_channel":"push","contents":{"en":"Hi"},"headings":{"en":"T"},"idempotency_key":"9f1b7e0a-7c1e-4c55-8d3c-5b0a8e2f6a11"}`
	for _, tc := range []struct {
		name, auth, ctype, body string
		status                  int
		message                 string
	}{
		{"accepted", "Key " + key, "application/json; charset=utf-8", good, 200, ""},
		{"no key", "", "application/json", good, 403, "Access denied."},
		{"basic instead of key", "Basic " + key, "application/json", good, 403, "Access denied."},
		{"form body", "Key " + key, "application/x-www-form-urlencoded", "app_id=" + app, 400, "app_id not found"},
		{"another app", "Key " + key, "application/json", strings.Replace(good, app, "9d3c3a8e-0000-4000-8000-000000000000", 1), 403, "Access denied."},
		{"no targeting", "Key " + key, "application/json", `{"app_id":"` + app + `","contents":{"en":"Hi"}}`, 400, "You must include which players"},
		{"no channel", "Key " + key, "application/json", strings.Replace(good, `"target_channel":"push",`, "", 1), 400, "target_channel is required"},
		{"no English", "Key " + key, "application/json", strings.Replace(good, `"contents":{"en":"Hi"}`, `"contents":{"lt":"Labas"}`, 1), 400, "English language content"},
		{"heading language not in contents", "Key " + key, "application/json", strings.Replace(good, `"headings":{"en":"T"}`, `"headings":{"en":"T","lt":"T"}`, 1), 400, "must also be in contents"},
		{"idempotency key not a UUID", "Key " + key, "application/json", strings.Replace(good, "9f1b7e0a-7c1e-4c55-8d3c-5b0a8e2f6a11", "o1/shipped", 1), 400, "idempotency_key"},
		{"bad url", "Key " + key, "application/json", strings.Replace(good, `"target_channel"`, `"url":"javascript:alert(1)","target_channel"`, 1), 400, "url must be"},
	} {
		req, _ := http.NewRequest(http.MethodPost, st.URL()+"/notifications?c=push", strings.NewReader(tc.body))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		req.Header.Set("Content-Type", tc.ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: HTTP %d %s, want %d", tc.name, resp.StatusCode, b, tc.status)
			continue
		}
		var body struct {
			ID     string   `json:"id"`
			Errors []string `json:"errors"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("%s: answer %s is not OneSignal's JSON", tc.name, b)
		}
		if tc.message == "" && body.ID == "" || tc.message != "" && (len(body.Errors) != 1 || !strings.Contains(body.Errors[0], tc.message)) {
			t.Errorf("%s: answer %s, want %q", tc.name, b, tc.message)
		}
	}
	if n := len(st.Pushes()); n != 1 {
		t.Errorf("%d notifications created, want the one accepted", n)
	}
}
