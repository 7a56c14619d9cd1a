package console_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/tokens"
)

// signInWith signs a new browser in to the console at base with token; the status of the
// sign-in and the browser.
func signInWith(t *testing.T, base, token string) (int, *browser) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, url: base, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, body := b.get("/console/sign-in")
	form := match(t, body, `name="form" value="([^"]+)"`)
	st, _, _ := b.send("/console/sign-in", url.Values{"token": {token}, "form": {form}, "next": {"/console/orders"}})
	if st == http.StatusSeeOther {
		_, body = b.get("/console/orders")
		b.csrf = match(t, body, `name="_csrf" value="([^"]+)"`)
	}
	return st, b
}

// An admin makes a read-only token on the Tokens page and sees it once; its holder signs in,
// reads orders, is refused every action with the console's 403 page and sees no menu entry
// it cannot open; once revoked, the session ends.
func TestTokensPageAndReadOnlySession(t *testing.T) {
	admin := newConsole(t, nil)
	st, body := admin.get("/console/tokens")
	if st != http.StatusOK {
		t.Fatalf("tokens page: %d", st)
	}
	contains(t, "the tokens page", body, "New token", `value="orders:read"`, `href="/console/tokens"`)

	name := "reader-" + strings.ToLower(rand.Text()[:8])
	st, _, body = admin.post("/console/tokens", url.Values{"name": {name}, "scope": {"orders:read"}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %.500s", st, body)
	}
	secret := match(t, body, `id="secret" class="mono" readonly value="(sft_[A-Z2-7]+)"`)
	contains(t, "the created page", body, "It is not shown again", name)
	_, list := admin.get("/console/tokens")
	if strings.Contains(list, secret) {
		t.Error("the tokens list shows a token's text")
	}
	tokID := match(t, list, `action="/console/tokens/(tok_[A-Z2-7]+)/revoke"`)

	// Refused: a name taken, a scope that does not exist, no scope, a hostile name.
	for what, form := range map[string]url.Values{
		"taken":    {"name": {name}, "scope": {"webhooks"}},
		"no scope": {"name": {"x"}},
		"unknown":  {"name": {"x"}, "scope": {"root"}},
		"control":  {"name": {"x\x00y"}, "scope": {"admin"}},
		"long":     {"name": {strings.Repeat("a", 40)}, "scope": {"admin"}},
	} {
		if st, _, body := admin.post("/console/tokens", form); st != http.StatusBadRequest && st != http.StatusConflict || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%s: %d, want the form again with the problem", what, st)
		}
	}

	st, reader := signInWith(t, admin.url, secret)
	if st != http.StatusSeeOther {
		t.Fatalf("sign-in with the named token: %d", st)
	}
	st, body = reader.get("/console/orders")
	if st != http.StatusOK {
		t.Fatalf("orders with a read-only session: %d", st)
	}
	contains(t, "a read-only session's menu", body, name, `href="/console/orders"`, `href="/console/exceptions"`)
	if strings.Contains(body, `href="/console/tokens"`) || strings.Contains(body, `href="/console/webhooks"`) {
		t.Error("the menu offers pages the token cannot open")
	}
	for _, path := range []string{"/console/orders/ord-1/resolve", "/console/orders/ord-1/resend", "/console/orders/ord-1/channels", "/console/tokens"} {
		st, _, body := reader.post(path, url.Values{"note": {"x"}, "name": {"x"}, "scope": {"admin"}})
		if st != http.StatusForbidden || !strings.Contains(body, "orders:operate") && !strings.Contains(body, "admin scope") {
			t.Errorf("POST %s with a read-only session: %d %.300s, want the 403 page", path, st, body)
		}
	}
	if st, _ := reader.get("/console/tokens"); st != http.StatusForbidden {
		t.Errorf("the tokens page with a read-only session: %d, want 403", st)
	}

	// Revoking needs the form's CSRF token.
	if st, _, _ := admin.send("/console/tokens/"+tokID+"/revoke", url.Values{}); st != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d, want 403", st)
	}
	if st, to, _ := admin.post("/console/tokens/"+tokID+"/revoke", nil); st != http.StatusSeeOther || to != "/console/tokens?done=revoked" {
		t.Fatalf("revoke: %d to %q", st, to)
	}
	if st, to, _ := admin.post("/console/tokens/"+tokID+"/revoke", nil); st != http.StatusSeeOther || to != "/console/tokens?done=revoked" {
		t.Errorf("revoke again: %d to %q", st, to)
	}
	if st, _ := reader.get("/console/orders"); st != http.StatusSeeOther {
		t.Errorf("the revoked token's session: %d, want a redirect to sign-in", st)
	}
	if st, _ := signInWith(t, admin.url, secret); st != http.StatusUnauthorized {
		t.Errorf("sign-in with the revoked token: %d, want 401", st)
	}
	var who, scopes string
	if err := testenv.DB(t).QueryRow(context.Background(), `SELECT created_by, array_to_string(scopes, ',') FROM api_tokens WHERE id = $1`, tokID).Scan(&who, &scopes); err != nil || who != actor || scopes != "orders:read" {
		t.Errorf("the token's row: %q %q %v", who, scopes, err)
	}
}

// A token for the voice assistant opens no console page and is refused at sign-in.
func TestVoiceTokenCannotSignIn(t *testing.T) {
	admin := newConsole(t, nil)
	st, _, body := admin.post("/console/tokens", url.Values{"name": {"ivr-" + strings.ToLower(rand.Text()[:8])}, "scope": {"voice", "driver"}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	secret := match(t, body, `value="(sft_[A-Z2-7]+)"`)
	if !tokens.Named(secret) {
		t.Fatalf("%q is not a named token", secret)
	}
	if st, _ := signInWith(t, admin.url, secret); st != http.StatusForbidden {
		t.Errorf("sign-in with a voice token: %d, want 403", st)
	}
}
