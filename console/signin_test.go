package console_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// stranger is a browser on b's console with no session.
func stranger(b *browser) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: b.t, url: b.url, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn fills in the sign-in form with token, coming back to next, and returns the status
// and where it sent the browser.
func (b *browser) signIn(token, next string) (int, string) {
	b.t.Helper()
	_, page := b.get("/console/sign-in?next=" + url.QueryEscape(next))
	form := match(b.t, page, `name="form" value="([^"]+)"`)
	code, to, _ := b.send("/console/sign-in", url.Values{"form": {form}, "token": {token}, "next": {next}})
	return code, to
}

func TestSignInOpensTheConsoleUntilSignOut(t *testing.T) {
	b := stranger(newConsole(t, nil))

	res, err := b.http.Get(b.url + "/console/orders?status=delivered")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/sign-in?next="+url.QueryEscape("/console/orders?status=delivered") {
		t.Fatalf("without a session: %d to %q, want 303 to sign-in coming back", res.StatusCode, res.Header.Get("Location"))
	}
	if code, _ := b.signIn("not-a-token", "/console/orders"); code != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d, want 401", code)
	}
	if code, to := b.signIn(adminToken, "/console/orders?status=delivered"); code != http.StatusSeeOther || to != "/console/orders?status=delivered" {
		t.Fatalf("sign-in: %d to %q, want 303 back to the page asked for", code, to)
	}

	res, err = b.http.Get(b.url + "/console/orders")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'nonce-") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q: want nonce-only scripts", csp)
	}
	code, page := b.get("/console/orders")
	if code != http.StatusOK || !strings.Contains(page, ">"+actor+"<") {
		t.Fatalf("orders with a session: %d, want 200 naming the token's holder", code)
	}

	// A form without the session's CSRF token is refused and changes nothing.
	if code, _, body := b.send("/console/sign-out", url.Values{}); code != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Fatalf("sign-out without the CSRF token: %d, want 403", code)
	}
	if code, _ := b.get("/console/orders"); code != http.StatusOK {
		t.Fatalf("after a refused sign-out: %d, want the session still open", code)
	}
	b.csrf = match(t, page, `name="_csrf" value="([^"]+)"`)
	if code, _, _ := b.post("/console/sign-out", nil); code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d, want 303", code)
	}
	if code, _ := b.get("/console/orders"); code != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d, want a redirect to sign-in", code)
	}
}

func TestSessionCookieIsHostOnlyAndStrict(t *testing.T) {
	b := stranger(newConsole(t, nil))
	_, page := b.get("/console/sign-in")
	form := match(t, page, `name="form" value="([^"]+)"`)
	res, err := b.http.PostForm(b.url+"/console/sign-in", url.Values{"form": {form}, "token": {adminToken}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "shipflow_console" && ck.MaxAge > 0 {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", ck)
			}
		}
	}
	if !found {
		t.Fatal("sign-in set no session cookie")
	}
}

func TestSignInRefusesAForeignForm(t *testing.T) {
	b := stranger(newConsole(t, nil))
	// Another site can post the form, but cannot read or set our cookie: the form value it
	// invents matches nothing.
	if code, _, _ := b.send("/console/sign-in", url.Values{"form": {"FORGED"}, "token": {adminToken}}); code != http.StatusForbidden {
		t.Fatalf("sign-in without the form's cookie: %d, want 403", code)
	}
}

func TestSignInGoesOnlyToConsolePages(t *testing.T) {
	b := newConsole(t, nil)
	for _, next := range []string{"https://evil.example/", "//evil.example/console/", "/console/../x", "/console\\@evil", "/other", "/console/sign-out"} {
		if _, to := stranger(b).signIn(adminToken, next); to != "/console/orders" {
			t.Errorf("next=%q: sent to %q, want the orders page", next, to)
		}
	}
}
