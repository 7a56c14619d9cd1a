package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
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
	stored, err := outbound.GetEndpoint(t.Context(), testenv.DB(t), id)
	if err == nil {
		stored, err = stored.Open(testenv.SecretCodec(t)) // stored sealed
	}
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

// Every field a subscriber sets has a cap and a character set: NUL, control characters and
// oversized values are a 400 naming the field, before Postgres (which refuses NUL with an
// error that was a 500) or the URL policy sees them, and the answer never echoes them whole.
func TestWebhookEndpointInputLimits(t *testing.T) {
	e := newTestServer(t)
	long := "https://erp.example.com/" + strings.Repeat("a", 2048)
	for _, tt := range []struct {
		name, body string
		want       string
	}{
		{"nul in url", `{"url":"https://erp.example.com/ho\u0000ok"}`, "url: must be printable ASCII"},
		{"newline in url", `{"url":"https://erp.example.com/\nX-Injected: 1"}`, "url: must be printable ASCII"},
		{"space in url", `{"url":"https://erp.example.com/a b"}`, "url: must be printable ASCII"},
		{"non-ascii url", `{"url":"https://užsakymai.example.com/"}`, "url: must be printable ASCII"},
		{"long url", `{"url":"` + long + `"}`, "url: must be at most 2048 bytes"},
		{"nul in description", `{"url":"https://erp.example.com/","description":"ERP\u0000"}`, "description must not hold control characters"},
		{"newline in description", `{"url":"https://erp.example.com/","description":"ERP\nprod"}`, "description must not hold control"},
		{"bidi override in description", `{"url":"https://erp.example.com/","description":"ERP \u202e dorp"}`, "description must not hold control"},
		{"long description", `{"url":"https://erp.example.com/","description":"` + strings.Repeat("ž", 501) + `"}`, "description must be at most 500 characters"},
		{"too many types", `{"url":"https://erp.example.com/","event_types":[` + strings.Repeat(`"order.created",`, 50) + `"order.created"]}`, "event_types: must list at most 50"},
		{"long type", `{"url":"https://erp.example.com/","event_types":["` + strings.Repeat("x", 5000) + `"]}`, "event_types[0]: unknown event type"},
		{"nul in type", `{"url":"https://erp.example.com/","event_types":["order.created\u0000"]}`, "event_types[0]: unknown event type"},
		{"line break in header value", `{"url":"https://erp.example.com/","headers":{"X-A":"a\r\nX-Injected: 1"}}`, `headers["X-A"]: must be visible ASCII`},
		{"nul in header value", `{"url":"https://erp.example.com/","headers":{"X-A":"a\u0000"}}`, `headers["X-A"]: must be visible ASCII`},
		{"non-ascii header value", `{"url":"https://erp.example.com/","headers":{"X-A":"caf\u00e9"}}`, `headers["X-A"]: must be visible ASCII`},
		{"header name not a token", `{"url":"https://erp.example.com/","headers":{"X-A\u0000":"b"}}`, "must be a token"},
		{"signature header", `{"url":"https://erp.example.com/","headers":{"webhook-signature":"v1,forged"}}`, "cannot be set"},
		{"framing header", `{"url":"https://erp.example.com/","headers":{"Content-Length":"1"}}`, "cannot be set"},
		{"hop-by-hop header", `{"url":"https://erp.example.com/","headers":{"Connection":"close"}}`, "cannot be set"},
		{"long header value", `{"url":"https://erp.example.com/","headers":{"X-A":"` + strings.Repeat("v", 4097) + `"}}`, "must be at most 4096 bytes"},
		{"long header name", `{"url":"https://erp.example.com/","headers":{"X-` + strings.Repeat("n", 5000) + `":"v"}}`, "is longer than 64 bytes"},
		{"headers not an object", `{"url":"https://erp.example.com/","headers":"Authorization: x"}`, "headers: must be an object"},
		{"too many headers", `{"url":"https://erp.example.com/","headers":{` + manyHeaders(41) + `}}`, "headers: at most 20 headers"},
	} {
		for _, method := range []string{http.MethodPost, http.MethodPatch} {
			path := "/v1/webhook-endpoints"
			if method == http.MethodPatch {
				path += "/ep_doesnotmatter"
			}
			code, out := adminJSON(t, e, method, path, tt.body)
			errObj, _ := out["error"].(map[string]any)
			msg, _ := errObj["message"].(string)
			if code != http.StatusBadRequest || errObj["code"] != "invalid_field" || !strings.Contains(msg, tt.want) || len(msg) > 300 {
				t.Errorf("%s %s: %d %v %.120q, want 400 invalid_field mentioning %q", method, tt.name, code, errObj["code"], msg, tt.want)
			}
		}
	}

	// At the limits, and with repeats, all is well; the repeats are dropped.
	url := "https://erp.example.com/" + strings.Repeat("a", 2048-len("https://erp.example.com/"))
	desc := strings.Repeat("ž", 500)
	body := `{"url":"` + url + `","description":"` + desc + `","event_types":[` + strings.Repeat(`"order.created","order.shipped",`, 24) + `"order.created"]}`
	code, ep := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints", body)
	if code != http.StatusCreated || ep["url"] != url || ep["description"] != desc || len(ep["event_types"].([]any)) != 2 {
		t.Fatalf("create at the limits: %d %.200v", code, ep)
	}
	id := ep["id"].(string)
	if code, upd := adminJSON(t, e, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"description":"ERP, prod (Vilnius) — naujas"}`); code != http.StatusOK || upd["description"] != "ERP, prod (Vilnius) — naujas" {
		t.Errorf("patch description: %d %v", code, upd)
	}
	code, out := adminJSON(t, e, http.MethodGet, "/v1/webhook-endpoints/"+id+"/deliveries?status="+strings.Repeat("z", 5000), "")
	if msg, _ := out["error"].(map[string]any)["message"].(string); code != http.StatusBadRequest || len(msg) > 100 {
		t.Errorf("status filter of 5000 bytes: %d %.100q", code, msg)
	}
	if code, _ := adminJSON(t, e, http.MethodDelete, "/v1/webhook-endpoints/"+id, ""); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}

	// A 404 does not echo a path of kilobytes.
	for _, path := range []string{"/v1/webhook-endpoints/" + strings.Repeat("x", 5000), "/v1/webhook-deliveries/" + strings.Repeat("y", 5000)} {
		code, out := adminJSON(t, e, http.MethodGet, path, "")
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if code != http.StatusNotFound || len(msg) > 100 {
			t.Errorf("GET %.40s...: %d, message of %d bytes", path, code, len(msg))
		}
	}
}

func manyHeaders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"X-H%d":"v"`, i)
	}
	return b.String()
}

// An endpoint's headers are saved and never answered whole; the catalogue lists every type.
func TestWebhookEndpointHeadersAndEventTypes(t *testing.T) {
	e := newTestServer(t)
	code, ep := adminJSON(t, e, http.MethodPost, "/v1/webhook-endpoints",
		`{"url":"https://erp.example.com/hooks","headers":{"Authorization":"Bearer tok-0123456789","X-Tenant":"acme"}}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, ep)
	}
	id := ep["id"].(string)
	for _, path := range []string{"", "/" + id} {
		req := httptest.NewRequest(http.MethodGet, "/v1/webhook-endpoints"+path, nil)
		req.Header.Set("Authorization", "Bearer admin-1")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if b := rec.Body.String(); strings.Contains(b, "tok-0123456789") || strings.Contains(b, "acme") || !strings.Contains(b, `"Authorization":"Be********"`) {
			t.Errorf("GET /v1/webhook-endpoints%s shows %s", path, b)
		}
	}
	if h := ep["headers"].(map[string]any); h["Authorization"] != "Be********" || h["X-Tenant"] != "********" {
		t.Errorf("create answers headers %v", h)
	}
	stored, err := outbound.GetEndpoint(t.Context(), testenv.DB(t), id)
	if err == nil {
		stored, err = stored.Open(testenv.SecretCodec(t)) // stored sealed
	}
	if err != nil || stored.Headers["Authorization"] != "Bearer tok-0123456789" {
		t.Errorf("stored headers %v, %v", stored.Headers, err)
	}

	code, cat := adminJSON(t, e, http.MethodGet, "/v1/event-types", "")
	types, _ := cat["event_types"].([]any)
	if code != http.StatusOK || len(types) != len(order.PublishTypes()) {
		t.Fatalf("event-types: %d, %d types", code, len(types))
	}
	for i, pt := range order.PublishTypes() {
		et := types[i].(map[string]any)
		ex, _ := et["example"].(map[string]any)
		if et["name"] != string(pt) || et["description"] == "" || ex == nil || ex["type"] != string(pt) || ex["data"] == nil {
			t.Errorf("event type %d: %v", i, et)
		}
	}
}
