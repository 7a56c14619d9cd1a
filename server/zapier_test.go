package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/telemetry"
)

const zapierKey = "zk_0123456789abcdef0123456789"

func newZapierServer(t *testing.T) *echo.Echo {
	t.Helper()
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin-1", "SHIPFLOW_ZAPIER_API_KEYS": "zk_other0000000000000000000000," + zapierKey,
			"SHIPFLOW_BRAND_NAME": "Trail Shoes"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.TaskQueue = testenv.TaskQueue(t)
	m, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	return New(Deps{Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.Logger(t), Metrics: m, Secrets: testenv.SecretCodec(t)})
}

// zapier calls /zapier/v1 as Zapier's API Key authentication does, with the key in X-API-Key.
func zapier(t *testing.T, e *echo.Echo, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("X-API-Key", zapierKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// A Zapier key opens /zapier/v1 and nothing else, and only a Zapier key opens it.
func TestZapierKeysOpenZapierRoutesOnly(t *testing.T) {
	e := newZapierServer(t)
	code, body := zapier(t, e, http.MethodGet, "/zapier/v1/me", "")
	if code != http.StatusOK || !strings.Contains(body, `"account":"Trail Shoes"`) || !strings.Contains(body, "tracking_number_added") {
		t.Errorf("me: %d %s", code, body)
	}
	for _, c := range []struct {
		name, path string
		hdr        map[string]string
	}{
		{"no key", "/zapier/v1/me", nil},
		{"a wrong key", "/zapier/v1/me", map[string]string{"X-API-Key": zapierKey + "x"}},
		{"an admin token", "/zapier/v1/me", map[string]string{"Authorization": "Bearer admin-1", "X-API-Key": "admin-1"}},
		{"a Zapier key on the admin API", "/v1/webhook-endpoints", map[string]string{"X-API-Key": zapierKey, "Authorization": "Bearer " + zapierKey}},
	} {
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		for k, v := range c.hdr {
			req.Header.Set(k, v)
		}
		rec, eb := do(t, e, req)
		if rec.Code != http.StatusUnauthorized || eb.Error.Code != "unauthorized" {
			t.Errorf("%s: %d %+v, want 401", c.name, rec.Code, eb)
		}
	}
}

// Zapier's performSubscribe creates a Zapier destination (once per hook and trigger), which
// the admin API shows with its hook masked; performUnsubscribe deletes it, and again is done;
// the samples are a top-level array in the hook's flat shape.
func TestZapierSubscriptionsThroughTheAPI(t *testing.T) {
	e := newZapierServer(t)
	hook := "https://hooks.zapier.com/hooks/standard/1234567/" + strconv.FormatInt(time.Now().UnixNano(), 36) + "/SECRETTOKEN/"
	body := `{"hookUrl":"` + hook + `","event":"tracking_number_added"}`
	code, out := zapier(t, e, http.MethodPost, "/zapier/v1/subscriptions", body)
	var sub struct{ ID, Event, EventType string }
	_ = json.Unmarshal([]byte(out), &sub)
	if code != http.StatusCreated || !strings.HasPrefix(sub.ID, "ep_") || !strings.Contains(out, `"event_type":"order.shipped"`) {
		t.Fatalf("subscribe: %d %s", code, out)
	}
	if code, again := zapier(t, e, http.MethodPost, "/zapier/v1/subscriptions", body); code != http.StatusOK || !strings.Contains(again, sub.ID) {
		t.Errorf("subscribe again: %d %s, want the same subscription", code, again)
	}
	code, ep := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints/"+sub.ID, "")
	raw, _ := json.Marshal(ep)
	if code != http.StatusOK || ep["kind"] != "zapier" || strings.Contains(string(raw), "SECRETTOKEN") || strings.Contains(string(raw), "whsec_") {
		t.Errorf("the admin API shows %d %s, want a zapier destination, hook masked, no secret", code, raw)
	}

	code, samples := zapier(t, e, http.MethodGet, "/zapier/v1/samples?event=tracking_number_added", "")
	var list []map[string]any
	if err := json.Unmarshal([]byte(samples), &list); code != http.StatusOK || err != nil || len(list) == 0 || len(list) > 3 ||
		list[0]["event"] != "order.shipped" || list[0]["tracking_number"] == nil {
		t.Errorf("samples: %d %.300s", code, samples)
	}

	for range 2 {
		if code, out := zapier(t, e, http.MethodDelete, "/zapier/v1/subscriptions/"+sub.ID, ""); code != http.StatusNoContent {
			t.Errorf("unsubscribe: %d %s", code, out)
		}
	}
	if code, _ := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints/"+sub.ID, ""); code != http.StatusNotFound {
		t.Errorf("after unsubscribe the destination answers %d", code)
	}
	// In the audit trail as Zapier's: the subscription made and removed once each (a repeat is
	// no change), and the samples read.
	entries, _, err := audit.List(t.Context(), testenv.DB(t), audit.Filter{Actor: outbound.ZapierActor})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	samplesRead := false
	for _, en := range entries {
		switch {
		case en.Action == audit.ActionEndpointChange && en.Subject == sub.ID && en.Via == access.ViaAPI:
			ops = append(ops, fmt.Sprint(en.Detail["op"]))
		case en.Action == audit.ActionListOrders && en.Subject == "tracking_number_added" && en.Detail["as"] == "zapier samples":
			samplesRead = true
		}
	}
	if got := strings.Join(ops, " "); got != "delete create" || !samplesRead {
		t.Errorf("Zapier's entries: changes %q, samples read %v, want \"delete create\" and true", got, samplesRead)
	}
	code, wh := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints", `{"url":"https://erp.example.com/hooks"}`)
	if code != http.StatusCreated {
		t.Fatal(code)
	}
	whID := wh["id"].(string)
	t.Cleanup(func() { adminJSON(t, e, http.MethodDelete, "/v1/webhook-endpoints/"+whID, "") })
	if code, _ := zapier(t, e, http.MethodDelete, "/zapier/v1/subscriptions/"+whID, ""); code != http.StatusNotFound {
		t.Errorf("a Zapier key deleting a webhook endpoint: %d, want 404", code)
	}
	if code, _ := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints/"+whID, ""); code != http.StatusOK {
		t.Errorf("the webhook endpoint is gone: %d", code)
	}
}

// Hostile subscribe and samples requests are refused with the API's error shape, naming the
// field, without echoing what was sent, and store nothing.
func TestZapierHostileInput(t *testing.T) {
	e := newZapierServer(t)
	long := strings.Repeat("a", 5000)
	for _, c := range []struct {
		method, path, body string
		status             int
		says               string
	}{
		{http.MethodPost, "/zapier/v1/subscriptions", `{"event":"order_created"}`, 400, "hookUrl"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/hooks/x/"}`, 400, "event"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/hooks/x/","event":"order.shipped"}`, 400, "tracking_number_added"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/hooks/x/","event":"` + long + `"}`, 400, "that event"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/hooks/x/","event":"order_created\u0000"}`, 400, "that event"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/\u0000","event":"order_created"}`, 400, "hookUrl: must be printable"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/` + long + `","event":"order_created"}`, 400, "hookUrl: must be at most 2048"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://example.com/hooks/","event":"order_created"}`, 422, "hooks.zapier.com"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"http://hooks.zapier.com/hooks/x/","event":"order_created"}`, 422, "https"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://127.0.0.1/hooks/","event":"order_created"}`, 422, "hookUrl"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/x/","event":"order_created","x":1}`, 400, "unknown field"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":`, 400, "malformed JSON"},
		{http.MethodPost, "/zapier/v1/subscriptions", `{"hookUrl":"https://hooks.zapier.com/x/","event":"order_created","pad":"` + strings.Repeat("p", 20<<10) + `"}`, 413, ""},
		{http.MethodGet, "/zapier/v1/samples", "", 400, "event is required"},
		{http.MethodGet, "/zapier/v1/samples?event=%00", "", 400, "that event"},
		{http.MethodDelete, "/zapier/v1/subscriptions/%00%01", "", 404, "with that id"},
		{http.MethodDelete, "/zapier/v1/subscriptions/" + long, "", 404, "with that id"},
	} {
		code, out := zapier(t, e, c.method, c.path, c.body)
		var eb errorBody
		if err := json.Unmarshal([]byte(out), &eb); err != nil || code != c.status || !strings.Contains(eb.Error.Message, c.says) ||
			strings.Contains(out, strings.Repeat("a", 100)) || strings.Contains(out, "\\u0000") {
			t.Errorf("%s %.60s %.60s: %d %.300s, want %d saying %q", c.method, c.path, c.body, code, out, c.status, c.says)
		}
	}
	_, list := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints", "")
	if raw, _ := json.Marshal(list); strings.Contains(string(raw), `"kind":"zapier"`) {
		t.Errorf("a refused subscription was stored: %s", raw)
	}
}
