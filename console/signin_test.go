package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/internal/testenv"
)

const (
	opsToken   = "console-test-token-ops"
	otherToken = "console-test-token-other"
)

// served is the console alone on an httptest server, opened by two named tokens.
func served(t *testing.T) *httptest.Server {
	t.Helper()
	e := echo.New()
	con := &console.Console{DB: testenv.DB(t), Logger: testenv.Logger(t),
		Tokens: []console.Token{{Name: "ops", Secret: opsToken}, {Name: "other", Secret: otherToken}}}
	con.Register(e, func(next echo.HandlerFunc) echo.HandlerFunc { return next })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// browserClient keeps cookies and does not follow redirects, so tests see where they point.
func browserClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var (
	formField = regexp.MustCompile(`name="form" value="([^"]+)"`)
	csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
)

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// signIn fills in the sign-in form with token and returns where it sent the browser.
func signIn(t *testing.T, c *http.Client, base, token, next string) *http.Response {
	t.Helper()
	_, page := get(t, c, base+"/console/sign-in?next="+url.QueryEscape(next))
	m := formField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("sign-in page has no form value:\n%s", page)
	}
	res, _ := post(t, c, base+"/console/sign-in", url.Values{"form": {m[1]}, "token": {token}, "next": {next}})
	return res
}

func TestSignInOpensTheConsoleUntilSignOut(t *testing.T) {
	srv, c := served(t), browserClient(t)

	res, _ := get(t, c, srv.URL+"/console/orders?status=delivered")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/sign-in?next="+url.QueryEscape("/console/orders?status=delivered") {
		t.Fatalf("without a session: %d to %q, want 303 to sign-in coming back", res.StatusCode, res.Header.Get("Location"))
	}

	if res := signIn(t, c, srv.URL, "not-a-token", "/console/orders"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d, want 401", res.StatusCode)
	}
	res = signIn(t, c, srv.URL, opsToken, "/console/orders?status=delivered")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/orders?status=delivered" {
		t.Fatalf("sign-in: %d to %q, want 303 back to the page asked for", res.StatusCode, res.Header.Get("Location"))
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "shipflow_console" && (!ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode) {
			t.Errorf("session cookie %+v: want HttpOnly and SameSite=Strict", ck)
		}
	}

	res, page := get(t, c, srv.URL+"/console/orders")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, ">ops<") {
		t.Fatalf("orders with a session: %d, want 200 naming the token's holder:\n%s", res.StatusCode, page)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'nonce-") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q: want nonce-only scripts", csp)
	}

	// A form without the session's CSRF token is refused and changes nothing.
	if res, body := post(t, c, srv.URL+"/console/sign-out", url.Values{}); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Fatalf("sign-out without CSRF token: %d, want 403", res.StatusCode)
	}
	if res, _ := get(t, c, srv.URL+"/console/orders"); res.StatusCode != http.StatusOK {
		t.Fatalf("after a refused sign-out: %d, want the session still open", res.StatusCode)
	}

	csrf := csrfField.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("the page carries no CSRF token")
	}
	if res, _ := post(t, c, srv.URL+"/console/sign-out", url.Values{"_csrf": {csrf[1]}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d, want 303", res.StatusCode)
	}
	if res, _ := get(t, c, srv.URL+"/console/orders"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d, want a redirect to sign-in", res.StatusCode)
	}
}

func TestSignInRefusesAForeignForm(t *testing.T) {
	srv, c := served(t), browserClient(t)
	// Another site can post the form, but not read or set our cookie: the form value it
	// invents matches nothing.
	res, _ := post(t, c, srv.URL+"/console/sign-in", url.Values{"form": {"FORGED"}, "token": {opsToken}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without the form's cookie: %d, want 403", res.StatusCode)
	}
}

func TestSignInGoesOnlyToConsolePages(t *testing.T) {
	srv := served(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/console/", "/console/../x", "/console\\@evil", "/other"} {
		c := browserClient(t)
		res := signIn(t, c, srv.URL, otherToken, next)
		if loc := res.Header.Get("Location"); loc != "/console/orders" {
			t.Errorf("next=%q: sent to %q, want a console page", next, loc)
		}
	}
}
