package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/telemetry"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newTestServer(t *testing.T) *echo.Echo {
	t.Helper()
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin-1,admin-2", "SHIPFLOW_VOICE_TOKENS": "voice-1"}[k]
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

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func do(t *testing.T, e *echo.Echo, req *http.Request) (*httptest.ResponseRecorder, errorBody) {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var body errorBody
	if rec.Code >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("error response is not the JSON error shape: %q", rec.Body.String())
		}
	}
	return rec, body
}

func TestErrorsHaveOneShape(t *testing.T) {
	e := newTestServer(t)
	e.GET("/test/panic", func(echo.Context) error { panic("boom") })
	e.POST("/test/echo", func(c echo.Context) error {
		var v map[string]any
		if err := json.NewDecoder(c.Request().Body).Decode(&v); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	})
	big := strings.NewReader(`{"pad":"` + strings.Repeat("x", 1<<20) + `"}`)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"unknown route", httptest.NewRequest(http.MethodGet, "/nowhere", nil), 404, codeNotFound},
		{"wrong method", httptest.NewRequest(http.MethodDelete, "/healthz", nil), 405, codeMethodNotAllowed},
		{"panic", httptest.NewRequest(http.MethodGet, "/test/panic", nil), 500, codeInternal},
		{"body over 1 MiB", httptest.NewRequest(http.MethodPost, "/test/echo", big), 413, codeTooLarge},
		{"admin route without token", httptest.NewRequest(http.MethodPost, "/v1/system/selftest", nil), 401, codeUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, body := do(t, e, tt.req)
			if rec.Code != tt.status || body.Error.Code != tt.code || body.Error.Message == "" {
				t.Errorf("got %d %+v, want %d with code %s and a message", rec.Code, body, tt.status, tt.code)
			}
			if rec.Header().Get(echo.HeaderXRequestID) == "" {
				t.Error("no request id on the response")
			}
			if strings.Contains(rec.Body.String(), "boom") {
				t.Error("a panic's value leaked to the client")
			}
		})
	}
}

func TestBodyJustUnderTheLimitIsAccepted(t *testing.T) {
	e := newTestServer(t)
	e.POST("/webhooks/test/echo", func(c echo.Context) error { // the inbound webhooks' 1 MiB
		var v map[string]any
		if err := json.NewDecoder(c.Request().Body).Decode(&v); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	body := `{"pad":"` + strings.Repeat("x", 1<<20-20) + `"}`
	rec, _ := do(t, e, httptest.NewRequest(http.MethodPost, "/webhooks/test/echo", strings.NewReader(body)))
	if rec.Code != http.StatusNoContent {
		t.Errorf("body of %d bytes: %d, want 204", len(body), rec.Code)
	}
}

func TestBearerTokens(t *testing.T) {
	e := echo.New()
	s := &server{Deps: Deps{Logger: testenv.Logger(t)}}
	e.HTTPErrorHandler = s.handleError
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e.Group("/v1", s.bearer("admin", []string{"admin-1", "admin-2"}, nil)).GET("/test", ok)
	e.Group("/voice", s.bearer("voice", []string{"voice-1"}, nil)).GET("/test", ok)
	tests := []struct {
		path, header string
		status       int
	}{
		{"/v1/test", "Bearer admin-1", 204},
		{"/v1/test", "Bearer admin-2", 204},
		{"/v1/test", "Bearer admin-", 401},
		{"/v1/test", "Bearer admin-11", 401},
		{"/v1/test", "bearer admin-1", 401},
		{"/v1/test", "admin-1", 401},
		{"/v1/test", "", 401},
		{"/v1/test", "Bearer voice-1", 401}, // a voice token is not an admin token
		{"/voice/test", "Bearer voice-1", 204},
		{"/voice/test", "Bearer admin-1", 401},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		rec, body := do(t, e, req)
		if rec.Code != tt.status {
			t.Errorf("%s with %q: %d, want %d", tt.path, tt.header, rec.Code, tt.status)
		}
		if rec.Code == 401 && (body.Error.Code != codeUnauthorized || rec.Header().Get("WWW-Authenticate") == "") {
			t.Errorf("%s with %q: 401 without the error shape or WWW-Authenticate", tt.path, tt.header)
		}
	}
}

func TestAdminRoutesNeedAnAdminToken(t *testing.T) {
	e := newTestServer(t)
	for _, token := range []string{"", "voice-1", "admin-3"} {
		req := httptest.NewRequest(http.MethodPost, "/v1/system/selftest", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if rec, _ := do(t, e, req); rec.Code != http.StatusUnauthorized {
			t.Errorf("token %q: %d, want 401", token, rec.Code)
		}
	}
}

func TestNoTokensConfiguredAdmitsNobody(t *testing.T) {
	h := (&server{}).bearer("admin", nil, nil)(func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	c.Request().Header.Set("Authorization", "Bearer ")
	if err := h(c); err == nil {
		t.Error("an empty token was admitted with no tokens configured")
	}
}

func TestRequestIDIsKeptFromTheCaller(t *testing.T) {
	e := newTestServer(t)
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set(echo.HeaderXRequestID, "caller-chosen-id")
	rec, _ := do(t, e, req)
	if got := rec.Header().Get(echo.HeaderXRequestID); got != "caller-chosen-id" {
		t.Errorf("request id = %q, want the caller's", got)
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	e := newTestServer(t)
	do(t, e, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	do(t, e, httptest.NewRequest(http.MethodGet, "/no/such/thing/123", nil))
	rec, _ := do(t, e, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	page := rec.Body.String()
	for _, want := range []string{
		`shipflow_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`shipflow_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(page, "/no/such/thing/123") {
		t.Error("raw paths in metric labels: unbounded cardinality")
	}
}
