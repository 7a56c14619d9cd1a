package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/telemetry"
)

// The console `shipflow serve` mounts manages webhooks through the JSON API's own operations
// and shows the server's inbox: an endpoint created through the API is on the console's list,
// and the console's inbox page is served.
func TestConsoleSharesTheWebhookAPIAndInbox(t *testing.T) {
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin-1",
			"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8", "SHIPFLOW_WEBHOOK_ALLOW_HTTP": "true"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	pool := testenv.DB(t)
	e := New(Deps{Config: cfg, DB: pool, Logger: testenv.Logger(t), Metrics: m, Inbox: inbox.New(pool), Secrets: testenv.SecretCodec(t)})

	req := httptest.NewRequest(http.MethodPost, "/v1/webhook-endpoints",
		strings.NewReader(`{"url":"http://127.0.0.1:9/hooks","description":"made through the API"}`))
	req.Header.Set("Authorization", "Bearer admin-1")
	req.Header.Set("Content-Type", "application/json")
	if rec, body := do(t, e, req); rec.Code != http.StatusCreated {
		t.Fatalf("create through the API: %d %+v", rec.Code, body)
	}

	cookie := consoleSignIn(t, e, "admin-1")
	for path, want := range map[string]string{"/console/webhooks": "made through the API", "/console/inbox": "No pending inbound event"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %d, want %q in\n%s", path, rec.Code, want, rec.Body)
		}
	}
}

// consoleSignIn signs in to the console with token and returns the Cookie header of the
// session. The cookies are Secure outside dev, so they are carried by hand.
func consoleSignIn(t *testing.T, e *echo.Echo, token string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/sign-in", nil))
	form := regexp.MustCompile(`name="form" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if form == nil || len(rec.Result().Cookies()) == 0 {
		t.Fatalf("sign-in form: %d\n%s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "/console/sign-in",
		strings.NewReader(url.Values{"form": {form[1]}, "token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(rec.Result().Cookies()[0])
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "shipflow_console") && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("sign-in: %d, no session cookie", rec.Code)
	return ""
}
