package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// A staff milestone feed is created through the endpoints API with its kind: its URL must be
// one of its chat's webhook hosts, it takes no headers, signs nothing (no secret to show or
// rotate) and its URL, the secret that lets anyone post to the channel, is never shown whole.
func TestFeedEndpointsThroughTheAPI(t *testing.T) {
	e := newTestServer(t)
	const slackURL = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"
	code, ep := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints",
		`{"kind":"slack","url":"`+slackURL+`","event_types":["order.shipped","order.delivered"],"description":"#logistics"}`)
	if code != http.StatusCreated || ep["kind"] != "slack" {
		t.Fatalf("create: %d %v", code, ep)
	}
	id := ep["id"].(string)
	t.Cleanup(func() { adminJSON(t, e, http.MethodDelete, "/v1/webhook-endpoints/"+id, "") })
	if _, has := ep["secret"]; has || ep["url"] != "https://hooks.slack.com/services/****" {
		t.Errorf("create shows secret %v, url %v", ep["secret"], ep["url"])
	}
	_, list := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints", "")
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), "XXXXXXXX") || !strings.Contains(string(raw), `"kind":"slack"`) {
		t.Errorf("list: %s", raw)
	}
	if code, body := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints/"+id+"/rotate-secret", ""); code != http.StatusConflict {
		t.Errorf("rotate a feed's secret: %d %v", code, body)
	}
	if code, body := adminJSON(t, e, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"url":"https://erp.example.com/hooks"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("patch a slack feed to another host: %d %v", code, body)
	}
	if code, body := adminJSON(t, e, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"kind":"webhook"}`); code != http.StatusBadRequest {
		t.Errorf("patch the kind: %d %v", code, body)
	}
	code, upd := adminJSON(t, e, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"url":"https://hooks.slack.com/services/T1/B1/YYYY","event_types":["order.shipped"]}`)
	if code != http.StatusOK || upd["url"] != "https://hooks.slack.com/services/****" {
		t.Errorf("patch url: %d %v", code, upd)
	}
	// A webhook is still the default kind, shown as one.
	code, wh := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints", `{"url":"https://erp.example.com/hooks"}`)
	if code != http.StatusCreated || wh["kind"] != "webhook" || !strings.HasPrefix(wh["secret"].(string), "whsec_") {
		t.Fatalf("webhook: %d %v", code, wh)
	}
	adminJSON(t, e, http.MethodDelete, "/v1/webhook-endpoints/"+wh["id"].(string), "")

	for _, tc := range []struct {
		body   string
		status int
		says   string
	}{
		{`{"kind":"teams","url":"https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x"}`, http.StatusCreated, ""},
		{`{"kind":"googlechat","url":"https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"}`, http.StatusCreated, ""},
		{`{"kind":"teams","url":"https://contoso.webhook.office.com/webhookb2/x"}`, http.StatusUnprocessableEntity, "logic.azure.com"},
		{`{"kind":"slack","url":"https://hooks.slack.com.evil.example/services/x"}`, http.StatusUnprocessableEntity, "hooks.slack.com"},
		{`{"kind":"googlechat","url":"https://127.0.0.1/v1/spaces/A/messages"}`, http.StatusUnprocessableEntity, ""},
		{`{"kind":"slack","url":"http://hooks.slack.com/services/x"}`, http.StatusUnprocessableEntity, "https"},
		{`{"kind":"slack","url":"https://hooks.slack.com/services/x","headers":{"X-A":"b"}}`, http.StatusBadRequest, "headers"},
		{`{"kind":"carrier-pigeon","url":"https://hooks.slack.com/services/x"}`, http.StatusBadRequest, "kind: must be one of webhook, slack, teams, googlechat"},
		{`{"kind":"slack\u0000","url":"https://hooks.slack.com/services/x"}`, http.StatusBadRequest, "kind"},
		{`{"kind":"` + strings.Repeat("s", 5000) + `","url":"https://hooks.slack.com/services/x"}`, http.StatusBadRequest, "kind"},
		{`{"kind":7,"url":"https://hooks.slack.com/services/x"}`, http.StatusBadRequest, ""},
		{`{"kind":"slack","url":"https://hooks.slack.com/services/x\u0000"}`, http.StatusBadRequest, "url"},
		{`{"kind":"slack","url":"https://hooks.slack.com/services/x","description":"a\u202eb"}`, http.StatusBadRequest, "description"},
	} {
		code, body := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints", tc.body)
		if code == http.StatusCreated {
			adminJSON(t, e, http.MethodDelete, "/v1/webhook-endpoints/"+body["id"].(string), "")
		}
		msg, _ := json.Marshal(body["error"])
		if code != tc.status || !strings.Contains(string(msg), tc.says) || strings.Contains(string(msg), strings.Repeat("s", 100)) {
			t.Errorf("%.80s: %d %s, want %d saying %q", tc.body, code, msg, tc.status, tc.says)
		}
	}
}
