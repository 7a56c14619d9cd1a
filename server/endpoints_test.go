package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
)

func adminJSON(t *testing.T, e *echo.Echo, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer admin-1")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func TestWebhookEndpointManagement(t *testing.T) {
	e := newTestServer(t)
	code, ep := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints",
		`{"url":"https://erp.example.com/hooks","event_types":["order.shipped","order.delivered"],"description":"ERP"}`)
	if code != http.StatusCreated || !strings.HasPrefix(ep["id"].(string), "ep_") {
		t.Fatalf("create: %d %v", code, ep)
	}
	id, secret := ep["id"].(string), ep["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+44 {
		t.Errorf("secret %q: want whsec_ and the base64 of 32 random bytes", secret)
	}
	_, got := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints/"+id, "")
	if got["secret"] == secret || !strings.HasPrefix(got["secret"].(string), "whsec_") {
		t.Errorf("the secret is shown again in full: %v", got["secret"])
	}
	_, list := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints", "")
	if len(list["endpoints"].([]any)) == 0 {
		t.Error("list is empty")
	}
	code, upd := adminJSON(t, e, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"event_types":[],"enabled":false}`)
	if code != http.StatusOK || upd["enabled"] != false || len(upd["event_types"].([]any)) != 0 {
		t.Errorf("update: %d %v", code, upd)
	}
	code, rot := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints/"+id+"/rotate-secret", "")
	if code != http.StatusOK || rot["secret"] == secret {
		t.Fatalf("rotate: %d %v", code, rot)
	}
	stored, err := db.GetEndpoint(t.Context(), testenv.DB(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if s := stored.Secrets(time.Now()); len(s) != 2 || s[0] != rot["secret"] || s[1] != secret {
		t.Errorf("signing secrets after rotation %v: want the new and the old", s)
	}
	if s := stored.Secrets(time.Now().Add(25 * time.Hour)); len(s) != 1 {
		t.Errorf("a day after rotation the old secret still signs: %v", s)
	}
	if code, _ := adminJSON(t, e, http.MethodDelete, "/v1/webhook-endpoints/"+id, ""); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints/"+id, ""); code != http.StatusNotFound {
		t.Errorf("get after delete: %d", code)
	}
}

func TestWebhookEndpointsRefuseBadInput(t *testing.T) {
	e := newTestServer(t)
	for _, tt := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"event_types":[]}`, 400, "url is required"},
		{`{"url":"http://erp.example.com/hooks"}`, 422, "url"},     // https required outside dev
		{`{"url":"https://127.0.0.1/hooks"}`, 422, "loopback"},     // a private address, refused at save
		{`{"url":"https://user:pw@erp.example.com/"}`, 422, "url"}, // credentials in the URL
		{`{"url":"https://erp.example.com","event_types":["order.teleported"]}`, 400, "event_types[0]"},
		{`{"url":"https://erp.example.com","colour":"red"}`, 400, "colour"},
		{`{"url":`, 400, "malformed JSON"},
	} {
		code, out := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints", tt.body)
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if code != tt.status || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: %d %q, want %d mentioning %q", tt.body, code, msg, tt.status, tt.want)
		}
	}
}
