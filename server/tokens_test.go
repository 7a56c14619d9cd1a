package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/tokens"
)

// newTokensServer is a server with the environment's admin and voice tokens and a codec
// server, so every kind of route can be asked.
func newTokensServer(t *testing.T) *echo.Echo {
	t.Helper()
	key := make([]byte, payload.KeySize)
	rand.Read(key)
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{
			"SHIPFLOW_ADMIN_TOKENS":        "ops:admin-env",
			"SHIPFLOW_VOICE_TOKENS":        "voice-env",
			"SHIPFLOW_VOICE_DRIVER_TOKENS": "driver-env",
			"SHIPFLOW_PAYLOAD_KEYS":        "test-1:" + base64.StdEncoding.EncodeToString(key),
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.TaskQueue = testenv.TaskQueue(t)
	m, err := telemetry.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	return New(Deps{Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.Logger(t), Metrics: m})
}

// call makes a request with token as its bearer and returns the status and the body.
func call(t *testing.T, e *echo.Echo, token, method, path, body string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// makeToken creates a named token through the API with the environment's admin token.
func makeToken(t *testing.T, e *echo.Echo, name string, scopes ...access.Scope) (id, secret string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "scopes": scopes})
	code, raw := call(t, e, "admin-env", http.MethodPost, "/v1/tokens", string(body))
	if code != http.StatusCreated {
		t.Fatalf("create token %s: %d %s", name, code, raw)
	}
	var out struct {
		ID     string         `json:"id"`
		Name   string         `json:"name"`
		Scopes []access.Scope `json:"scopes"`
		Token  string         `json:"token"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != name || !tokens.Named(out.Token) || !tokens.ValidID(out.ID) || len(out.Scopes) == 0 || len(out.Scopes) > len(scopes) {
		t.Fatalf("created %s: %s", name, raw)
	}
	return out.ID, out.Token
}

// uniqueName is a token name no other test's token has (names are unique among live tokens,
// and the package's tests share a database).
func uniqueName(prefix string) string {
	return prefix + "-" + strings.ToLower(rand.Text()[:8])
}

// A token without the scope a route needs is refused 403 forbidden on every kind of route:
// order reads, order changes, webhook management, admin (self-test, tokens, codec) and voice.
func TestTokenWithoutTheScopeIsForbidden(t *testing.T) {
	e := newTokensServer(t)
	_, reader := makeToken(t, e, uniqueName("reader"), access.ScopeReadOrders)
	_, operator := makeToken(t, e, uniqueName("operator"), access.ScopeOperateOrders)
	_, hooks := makeToken(t, e, uniqueName("hooks"), access.ScopeWebhooks)
	_, voiceOnly := makeToken(t, e, uniqueName("voice"), access.ScopeVoice)
	codec := `{"payloads":[]}`
	routes := []struct {
		kind, method, path, body string
		scope                    access.Scope
	}{
		{"order read", http.MethodGet, "/v1/orders", "", access.ScopeReadOrders},
		{"order read", http.MethodGet, "/v1/orders/ord-1/notifications", "", access.ScopeReadOrders},
		{"inbound list", http.MethodGet, "/v1/inbound-events", "", access.ScopeReadOrders},
		{"order change", http.MethodPost, "/v1/orders/ord-1/exception/resolve", `{"note":"x"}`, access.ScopeOperateOrders},
		{"replay", http.MethodPost, "/v1/inbound-events/1/replay", "", access.ScopeOperateOrders},
		{"webhooks", http.MethodGet, "/v1/webhook-endpoints", "", access.ScopeWebhooks},
		{"webhooks", http.MethodPost, "/v1/webhook-endpoints", `{}`, access.ScopeWebhooks},
		{"event types", http.MethodGet, "/v1/event-types", "", access.ScopeWebhooks},
		{"self-test", http.MethodPost, "/v1/system/selftest", "", access.ScopeAdmin},
		{"tokens", http.MethodGet, "/v1/tokens", "", access.ScopeAdmin},
		{"tokens", http.MethodPost, "/v1/tokens", `{"name":"x","scopes":["admin"]}`, access.ScopeAdmin},
		{"codec", http.MethodPost, "/codec/encode", codec, access.ScopeAdmin},
		{"voice", http.MethodPost, "/voice/tools", `{}`, access.ScopeVoice},
	}
	holders := map[string][]access.Scope{reader: {access.ScopeReadOrders}, operator: {access.ScopeOperateOrders},
		hooks: {access.ScopeWebhooks}, voiceOnly: {access.ScopeVoice}}
	for _, r := range routes {
		for token, scopes := range holders {
			code, raw := call(t, e, token, r.method, r.path, r.body)
			has := access.Actor{Scopes: scopes}.Can(r.scope)
			if r.kind == "voice" {
				has = has || access.Actor{Scopes: scopes}.Can(access.ScopeDriver)
			}
			switch {
			case has && (code == http.StatusForbidden || code == http.StatusUnauthorized):
				t.Errorf("%s %s with %v: %d %s, want it admitted", r.method, r.path, scopes, code, raw)
			case !has && code != http.StatusForbidden:
				t.Errorf("%s %s with %v: %d %s, want 403", r.method, r.path, scopes, code, raw)
			case !has:
				var body errorBody
				if err := json.Unmarshal(raw, &body); err != nil || body.Error.Code != codeForbidden || !strings.Contains(body.Error.Message, string(r.scope)) {
					t.Errorf("%s %s with %v: 403 %s, want the error shape with code forbidden naming %s", r.method, r.path, scopes, raw, r.scope)
				}
			}
		}
	}
	// The environment's admin token still opens every route; a voice token still opens /voice
	// and nothing of /v1.
	for _, r := range routes {
		if r.path == "/v1/system/selftest" {
			continue // it waits 10 s for a worker this test has not got; tokens and codec are admin's too
		}
		token := "admin-env"
		if r.kind == "voice" {
			token = "voice-env"
		}
		if code, raw := call(t, e, token, r.method, r.path, r.body); code == http.StatusForbidden || code == http.StatusUnauthorized {
			t.Errorf("%s %s with the environment's token: %d %s", r.method, r.path, code, raw)
		}
	}
	for _, token := range []string{"voice-env", "driver-env"} {
		if code, _ := call(t, e, token, http.MethodGet, "/v1/orders", ""); code != http.StatusUnauthorized {
			t.Errorf("GET /v1/orders with the voice token %s: %d, want 401", token, code)
		}
		if code, raw := call(t, e, token, http.MethodPost, "/voice/tools", "{}"); code == http.StatusForbidden || code == http.StatusUnauthorized {
			t.Errorf("/voice/tools with the environment's %s: %d %s", token, code, raw)
		}
	}
}

// The tokens API creates, lists without secrets and revokes; a revoked token is refused 401;
// Postgres holds the token's SHA-256, never the token; each change is in the audit trail
// under the name of the token that made it.
func TestTokensAPI(t *testing.T) {
	e := newTokensServer(t)
	ctx := context.Background()
	pool := testenv.DB(t)
	name := uniqueName("bi-export")
	id, secret := makeToken(t, e, name, access.ScopeReadOrders, access.ScopeReadOrders)
	if code, raw := call(t, e, secret, http.MethodGet, "/v1/orders", ""); code != http.StatusOK {
		t.Fatalf("the new token reading orders: %d %s", code, raw)
	}

	// Stored hashed.
	var hash []byte
	var leaked int
	if err := pool.QueryRow(ctx, `SELECT token_hash FROM api_tokens WHERE id = $1`, id).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256([]byte(secret)); !bytes.Equal(hash, want[:]) {
		t.Errorf("stored hash %x, want the token's SHA-256", hash)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_tokens t WHERE strpos(t::text, $1) > 0 OR strpos(encode(t.token_hash, 'escape'), $1) > 0`,
		secret[len(tokens.Prefix):]).Scan(&leaked); err != nil || leaked != 0 {
		t.Errorf("the token's text is in api_tokens (%d rows, %v)", leaked, err)
	}
	var used *time.Time
	if err := pool.QueryRow(ctx, `SELECT last_used_at FROM api_tokens WHERE id = $1`, id).Scan(&used); err != nil || used == nil {
		t.Errorf("last_used_at after a request: %v %v", used, err)
	}

	// Listed without its text or hash.
	code, raw := call(t, e, "admin-env", http.MethodGet, "/v1/tokens", "")
	if code != http.StatusOK || !strings.Contains(string(raw), `"name":"`+name+`"`) || !strings.Contains(string(raw), `"created_by":"ops"`) {
		t.Fatalf("list: %d %s", code, raw)
	}
	if strings.Contains(string(raw), secret[len(tokens.Prefix):]) || strings.Contains(string(raw), "hash") ||
		strings.Contains(string(raw), base64.StdEncoding.EncodeToString(hash)) || strings.Contains(string(raw), `"token"`) {
		t.Errorf("the list shows a secret: %s", raw)
	}

	// A second live token cannot take the name.
	body := `{"name":"` + name + `","scopes":["webhooks"]}`
	if code, raw := call(t, e, "admin-env", http.MethodPost, "/v1/tokens", body); code != http.StatusConflict {
		t.Errorf("a taken name: %d %s, want 409", code, raw)
	}

	// Revoked: 204, again 204; the token is refused from then on; its name may be given again.
	for range 2 {
		if code, raw := call(t, e, "admin-env", http.MethodDelete, "/v1/tokens/"+id, ""); code != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", code, raw)
		}
	}
	code, raw = call(t, e, secret, http.MethodGet, "/v1/orders", "")
	var eb errorBody
	if json.Unmarshal(raw, &eb); code != http.StatusUnauthorized || eb.Error.Code != codeUnauthorized {
		t.Errorf("the revoked token: %d %s, want 401 unauthorized", code, raw)
	}
	if code, raw := call(t, e, secret, http.MethodPost, "/voice/tools", "{}"); code != http.StatusUnauthorized {
		t.Errorf("the revoked token on /voice: %d %s, want 401", code, raw)
	}
	if code, raw := call(t, e, "admin-env", http.MethodPost, "/v1/tokens", body); code != http.StatusCreated {
		t.Errorf("the name of a revoked token: %d %s, want 201", code, raw)
	}
	if code, _ := call(t, e, "admin-env", http.MethodDelete, "/v1/tokens/tok_AAAAAAAAAAAAAAAAAAAAAAAAAA", ""); code != http.StatusNotFound {
		t.Errorf("revoking an unknown token: %d, want 404", code)
	}
	if code, _ := call(t, e, "admin-env", http.MethodDelete, "/v1/tokens/"+strings.Repeat("x", 300), ""); code != http.StatusNotFound {
		t.Errorf("revoking a malformed id: %d, want 404", code)
	}

	// The trail: one creation and one revocation, by the environment token's name.
	rows, err := pool.Query(ctx, `SELECT action, actor, via FROM audit_log WHERE subject = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for rows.Next() {
		var action, actor, via string
		if err := rows.Scan(&action, &actor, &via); err != nil {
			t.Fatal(err)
		}
		trail = append(trail, action+" "+actor+" "+via)
	}
	if strings.Join(trail, "; ") != "token.create ops api; token.revoke ops api" {
		t.Errorf("audit trail of %s: %q", id, trail)
	}

	// A named admin token acts in its own name.
	_, admin := makeToken(t, e, uniqueName("deputy"), access.ScopeAdmin)
	child := uniqueName("child")
	if code, raw := call(t, e, admin, http.MethodPost, "/v1/tokens", `{"name":"`+child+`","scopes":["voice"]}`); code != http.StatusCreated ||
		!strings.Contains(string(raw), `"created_by":"deputy-`) {
		t.Errorf("a named admin token creating one: %d %s", code, raw)
	}
}

// The tokens API refuses hostile or malformed input with 400 in the error shape.
func TestTokensAPIRefusesBadInput(t *testing.T) {
	e := newTokensServer(t)
	tests := map[string]struct {
		body, code string
	}{
		"not JSON":        {`{`, codeInvalidJSON},
		"no name":         {`{"scopes":["admin"]}`, codeMissingField},
		"no scopes":       {`{"name":"a"}`, codeMissingField},
		"empty scopes":    {`{"name":"a","scopes":[]}`, codeInvalidField},
		"unknown scope":   {`{"name":"a","scopes":["root"]}`, codeInvalidField},
		"upper case":      {`{"name":"Ops","scopes":["admin"]}`, codeInvalidField},
		"too long":        {`{"name":"` + strings.Repeat("a", 33) + `","scopes":["admin"]}`, codeInvalidField},
		"control char":    {`{"name":"a\u0000b","scopes":["admin"]}`, codeInvalidField},
		"newline":         {`{"name":"a\nb","scopes":["admin"]}`, codeInvalidField},
		"empty name":      {`{"name":"","scopes":["admin"]}`, codeInvalidField},
		"unknown field":   {`{"name":"a","scopes":["admin"],"token":"sft_x"}`, codeBadRequest},
		"two values":      {`{"name":"a","scopes":["admin"]}{}`, codeBadRequest},
		"scope NUL":       {`{"name":"a","scopes":["admin\u0000"]}`, codeInvalidField},
		"too many scopes": {`{"name":"a","scopes":[` + strings.Repeat(`"admin",`, 20) + `"admin"]}`, codeInvalidField},
		"wrong type":      {`{"name":1,"scopes":["admin"]}`, codeInvalidJSON},
	}
	for name, tt := range tests {
		code, raw := call(t, e, "admin-env", http.MethodPost, "/v1/tokens", tt.body)
		var body errorBody
		if err := json.Unmarshal(raw, &body); err != nil || code != http.StatusBadRequest || body.Error.Code != tt.code {
			t.Errorf("%s: %d %s, want 400 %s", name, code, raw, tt.code)
		}
	}
	if code, _ := call(t, e, "admin-env", http.MethodPost, "/v1/tokens", `{"name":"`+strings.Repeat("a", 5000)+`"}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the cap: %d, want 413", code)
	}
}

func FuzzParseTokenRequest(f *testing.F) {
	f.Add([]byte(`{"name":"ops","scopes":["orders:read","admin"]}`))
	f.Add([]byte(`{"name":"a\u0000","scopes":[]}`))
	f.Add([]byte(`{"name":"x","scopes":["` + strings.Repeat("é", 40) + `"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		name, scopes, err := parseTokenRequest(body)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status >= 500 {
				t.Fatalf("%q: %v is not a client error", body, err)
			}
			return
		}
		if !access.ValidName(name) || len(scopes) == 0 {
			t.Fatalf("%q: accepted %q %v", body, name, scopes)
		}
		for _, s := range scopes {
			if _, ok := access.ParseScope(string(s)); !ok {
				t.Fatalf("%q: accepted scope %q", body, s)
			}
		}
	})
}
