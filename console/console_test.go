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

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The admin token the test consoles open with, and the name actions are attributed to.
const (
	adminToken = "console-test-admin-token"
	actor      = "ops-ana"
)

// browser is a signed-in person using a console served over real HTTP: a cookie jar, the
// session's CSRF token, and redirects left for the test to look at.
type browser struct {
	t    *testing.T
	url  string
	http *http.Client
	csrf string
}

// newConsole serves a console on this package's database and signs in to it. setup, when not
// nil, completes the console (Temporal, clock, links) before it is served.
func newConsole(t *testing.T, setup func(*console.Console)) *browser {
	t.Helper()
	return newConsoleOn(t, testenv.DB(t), setup)
}

// newConsoleOn is newConsole on the database pool holds.
func newConsoleOn(t *testing.T, pool *pgxpool.Pool, setup func(*console.Console)) *browser {
	t.Helper()
	con := &console.Console{DB: pool, Logger: testenv.Logger(t), Tokens: []console.Token{{Name: actor, Secret: adminToken}}}
	if setup != nil {
		setup(con)
	}
	e := echo.New()
	con.Register(e, func(next echo.HandlerFunc) echo.HandlerFunc { return next })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, url: srv.URL, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	_, body := b.get("/console/sign-in")
	form := match(t, body, `name="form" value="([^"]+)"`)
	if st, _, body := b.send("/console/sign-in", url.Values{"token": {adminToken}, "form": {form}, "next": {"/console/orders"}}); st != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", st, body)
	}
	_, body = b.get("/console/orders")
	b.csrf = match(t, body, `name="_csrf" value="([^"]+)"`)
	return b
}

// get fetches path and returns the status and body.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.http.Get(b.url + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// post submits form to path with the session's CSRF token, as the console's forms do, and
// returns the status, where it redirects and the body.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	f := url.Values{"_csrf": {b.csrf}}
	for k, v := range form {
		f[k] = v
	}
	return b.send(path, f)
}

// send submits form to path as it is.
func (b *browser) send(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	resp, err := b.http.PostForm(b.url+path, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

// match returns the first group of pattern in body.
func match(t *testing.T, body, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %.2000s", pattern, body)
	}
	return m[1]
}

// contains checks the page holds every one of want.
func contains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not show %q", what, w)
		}
	}
}
