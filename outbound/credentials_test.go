package outbound_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/telemetry"
)

// credentialsCaught is a connector transport that keeps the credentials its attempt was given.
type credentialsCaught struct{ got chan map[string]string }

func (c credentialsCaught) Send(_ context.Context, o outbound.Outgoing, _ int) (outbound.Result, time.Time) {
	c.got <- o.Credentials
	return outbound.Result{Outcome: outbound.Delivered, Status: http.StatusOK}, time.Now()
}

// TestConnectorCredentials: a connector's credentials are checked as its kind takes them,
// sealed before they are stored (nothing in Postgres or in an answer holds a value), replaced
// whole by a PATCH, refused without keys to seal them, and opened for each attempt.
func TestConnectorCredentials(t *testing.T) {
	caught := credentialsCaught{got: make(chan map[string]string, 1)}
	outbound.SetConnector(t, outbound.KindKlaviyo, []string{"api_key"}, []string{"region"}, "https://a.platform.example",
		func(_ string, creds map[string]string) error {
			if creds["api_key"] == "pk_revoked" {
				return errors.New("the platform refuses this key")
			}
			return nil
		}, caught)
	pool := testenv.DB(t)
	codec := testenv.SecretCodec(t)
	cfg, err := config.Load("test", nil, func(k string) string { return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	app := func(secrets *payload.Codec) *echo.Echo {
		m, err := telemetry.NewMetrics()
		if err != nil {
			t.Fatal(err)
		}
		return server.New(server.Deps{Config: cfg, DB: pool, Temporal: testenv.Temporal(t), Logger: testenv.QuietLogger(), Metrics: m, Secrets: secrets})
	}
	withKeys, withoutKeys := app(codec), app(nil)
	call := func(e *echo.Echo, method, path, body string) (int, map[string]any) {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer admin")
		e.ServeHTTP(rec, req)
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		if strings.Contains(rec.Body.String(), "pk_live_secret") {
			t.Errorf("%s %s answered a credential: %s", method, path, rec.Body)
		}
		return rec.Code, out
	}

	for name, tc := range map[string]struct {
		body string
		code int
	}{
		"missing":      {`{"kind":"klaviyo","event_types":["order.shipped"]}`, http.StatusBadRequest},
		"unknown name": {`{"kind":"klaviyo","credentials":{"api_key":"pk_1","password":"x"}}`, http.StatusBadRequest},
		"space":        {`{"kind":"klaviyo","credentials":{"api_key":"pk 1"}}`, http.StatusBadRequest},
		"line break":   {`{"kind":"klaviyo","credentials":{"api_key":"pk_1\r\nX-Evil: 1"}}`, http.StatusBadRequest},
		"too long":     {`{"kind":"klaviyo","credentials":{"api_key":"` + strings.Repeat("k", outbound.MaxCredentialLen+1) + `"}}`, http.StatusBadRequest},
		"refused":      {`{"kind":"klaviyo","credentials":{"api_key":"pk_revoked"}}`, http.StatusUnprocessableEntity},
		"on a webhook": {`{"url":"https://hooks.example.com/x","credentials":{"api_key":"pk_1"}}`, http.StatusBadRequest},
	} {
		if code, out := call(withKeys, http.MethodPost, "/v1/webhook-endpoints", tc.body); code != tc.code || out["error"] == nil {
			t.Errorf("%s: %d %v, want %d in the error shape", name, code, out, tc.code)
		}
	}
	if code, _ := call(withoutKeys, http.MethodPost, "/v1/webhook-endpoints", `{"kind":"klaviyo","credentials":{"api_key":"pk_live_secret"}}`); code != http.StatusConflict {
		t.Errorf("no keys: %d, want 409", code)
	}

	code, out := call(withKeys, http.MethodPost, "/v1/webhook-endpoints", `{"kind":"klaviyo","event_types":["order.shipped"],"credentials":{"api_key":"pk_live_secret"}}`)
	if code != http.StatusCreated || out["url"] != "https://a.platform.example" || out["kind"] != "klaviyo" {
		t.Fatalf("create: %d %v", code, out)
	}
	if creds, _ := out["credentials"].(map[string]any); creds["api_key"] != "********" {
		t.Errorf("credentials shown as %v, want the name with no value", out["credentials"])
	}
	id := out["id"].(string)
	// The package's tests share one database: another test counts the endpoints there.
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), pool, id) })
	var stored string
	if err := pool.QueryRow(t.Context(), `SELECT credentials::text FROM webhook_endpoints WHERE id = $1`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, "pk_live_secret") || !strings.Contains(stored, `"api_key": "sf1:test:`) {
		t.Errorf("stored %s, want the value sealed", stored)
	}

	ep, err := outbound.GetEndpoint(t.Context(), pool, id)
	if err != nil {
		t.Fatal(err)
	}
	s := &outbound.Sender{Secrets: codec}
	if res, _ := outbound.SendOnce(t.Context(), s, outbound.Outgoing{Endpoint: ep}, 1); res.Outcome != outbound.Delivered {
		t.Fatalf("attempt: %+v", res)
	}
	if got := <-caught.got; got["api_key"] != "pk_live_secret" {
		t.Errorf("the transport got %v", got)
	}
	if res, _ := outbound.SendOnce(t.Context(), &outbound.Sender{Secrets: secretCodec2(t)}, outbound.Outgoing{Endpoint: ep}, 1); res.Outcome != outbound.Failed || !strings.Contains(res.Err, "credentials") {
		t.Errorf("with other keys: %+v, want failed naming the credentials", res)
	}

	if code, out := call(withKeys, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"credentials":{"api_key":"pk_live_secret2","region":"eu"}}`); code != http.StatusOK {
		t.Fatalf("patch: %d %v", code, out)
	}
	ep, _ = outbound.GetEndpoint(t.Context(), pool, id)
	if plain, err := ep.Credentials.Open(codec); err != nil || plain["api_key"] != "pk_live_secret2" || plain["region"] != "eu" {
		t.Errorf("after the patch: %v %v", plain, err)
	}
	if code, _ := call(withKeys, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"credentials":{"region":"eu"}}`); code != http.StatusBadRequest {
		t.Errorf("patch without the required key: %d, want 400", code)
	}
	if code, _ := call(withKeys, http.MethodPatch, "/v1/webhook-endpoints/"+id, `{"description":"shop's Klaviyo"}`); code != http.StatusOK {
		t.Errorf("patch of the description: %d", code)
	}
	if ep, _ := outbound.GetEndpoint(t.Context(), pool, id); ep.Credentials["api_key"] == "" {
		t.Error("a patch without credentials dropped them")
	}
}

func secretCodec2(t *testing.T) *payload.Codec {
	t.Helper()
	k, _ := payload.NewKey("other", bytes.Repeat([]byte{9}, payload.KeySize))
	c, _ := payload.NewCodec(payload.Keys{k})
	return c
}

// FuzzCheckCredentials: whatever credentials a request carries, the check answers without a
// panic, and what it lets through is printable ASCII without spaces, within the limits.
func FuzzCheckCredentials(f *testing.F) {
	f.Add("api_key", "pk_live_1")
	f.Add("api_key", "pk 1\r\nX-Evil: 1")
	f.Add("password", "x")
	f.Add("api_key", "\x00")
	f.Add(strings.Repeat("k", 100), strings.Repeat("v", outbound.MaxCredentialLen+1))
	f.Fuzz(func(t *testing.T, name, value string) {
		creds := map[string]string{name: value}
		if err := outbound.CheckCredentials(outbound.KindKlaviyo, creds); err == nil {
			if name != "api_key" || value == "" || len(value) > outbound.MaxCredentialLen ||
				strings.ContainsFunc(value, func(r rune) bool { return r <= ' ' || r > '~' }) {
				t.Fatalf("accepted %q=%q", name, value)
			}
		}
	})
}
