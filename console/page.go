package console

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/apierr"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages is every page's template, each parsed with the layout it fills.
var pages = parsePages()

// funcs are what templates may call.
var funcs = template.FuncMap{
	"when":   when,
	"static": staticURL,
	"num":    func(n any) string { return fmt.Sprint(n) },
	"path":   url.PathEscape,
	"pct":    pct,
	"rate":   percent,
	"took":   took,
	"words":  words,
	"detail": detail,
}

func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		files := []string{"templates/layout.html", n}
		partials, _ := fs.Glob(templateFiles, "templates/_*.html")
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, append(files, partials...)...))
	}
	return out
}

// view is what layout.html draws around a page's own content.
type view struct {
	Title string
	Nav   string // the menu entry to mark as current
	Actor string
	CSRF  string
	Nonce string
	// Notice is a one-line message at the top: what an action did.
	Notice string
	// Charts loads Chart.js, for a page with charts.
	Charts bool
	Data   any
	// Scopes are the session's: the menu shows what they open.
	Scopes []access.Scope
}

// Can reports whether the session holds scope (named as access spells it), for the menu.
func (v view) Can(scope string) bool {
	return access.Actor{Scopes: v.Scopes}.Can(access.Scope(scope))
}

// Menu entries, as view.Nav names them.
const (
	navOrders     = "orders"
	navExceptions = "exceptions"
	navWebhooks   = "webhooks"
	navInbox      = "inbox"
	navInsight    = "insight"
	navTokens     = "tokens"
	navAudit      = "audit"
)

// render draws page name into the response, with the session's actor and CSRF token, under a
// fresh CSP nonce. An htmx request that targets part of a page gets the page's "content"
// template alone.
func render(c echo.Context, status int, name string, v view) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("console: no page %q", name)
	}
	if s := current(c); s != nil {
		v.Actor, v.CSRF, v.Scopes = s.Actor, s.CSRF, s.Scopes
	}
	v.Nonce = secure(c.Response().Header())
	root := "layout.html"
	if c.Request().Header.Get("HX-Request") == "true" && c.Request().Header.Get("HX-Target") != "" {
		root = "content"
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, root, v); err != nil {
		return fmt.Errorf("render console page %s: %w", name, err)
	}
	return c.HTMLBlob(status, b.Bytes())
}

// secure sets the headers of every console response and returns the nonce its scripts and
// stylesheets must carry. The policy is the tracking page's: only nonced scripts and styles
// (the console's own files, served from this origin), requests to this origin only, forms to
// this origin only, no frames; nothing is cached, since every page shows customer data.
func secure(h http.Header) string {
	nonce := rand.Text()
	h.Set("Content-Security-Policy", "default-src 'none'; "+
		"script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; "+
		"connect-src 'self'; img-src 'self' data:; "+
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
	return nonce
}

// problemError is an error a person is meant to read, drawn as a page with its status.
type problemError struct {
	Status  int
	Message string
}

func (p *problemError) Error() string { return p.Message }

func problem(status int, format string, args ...any) error {
	return &problemError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// pages draws every error of a console handler as a page: what the person can do about it, or,
// for our own faults, an apology with the request id the logs carry. Never JSON, never
// internals.
func (con *Console) pages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		p := &problemError{}
		var ae *apierr.Error
		var he *echo.HTTPError
		switch {
		case errors.As(err, &p):
		case errors.As(err, &ae):
			p = &problemError{Status: ae.Status, Message: ae.Message}
		case errors.As(err, &he):
			p = &problemError{Status: he.Code, Message: http.StatusText(he.Code)}
		default:
			id := c.Response().Header().Get(echo.HeaderXRequestID)
			con.Logger.Error("console request failed", "err", err, "request_id", id, "path", c.Path())
			p = &problemError{Status: http.StatusInternalServerError,
				Message: "Something went wrong on our side. The request id " + id + " finds it in the logs."}
		}
		return render(c, p.Status, "problem", view{Title: http.StatusText(p.Status), Data: p})
	}
}

// static holds the console's stylesheet, script and vendored libraries, each with a digest
// that versions its URL, so a browser may cache a file for a year and still never run an old
// one after an upgrade.
var static = loadStatic()

type staticFile struct {
	body   []byte
	digest string
	typ    string
}

func loadStatic() map[string]staticFile {
	out := map[string]staticFile{}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (path.Ext(p) != ".js" && path.Ext(p) != ".css") {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[path.Base(p)] = staticFile{body: b, digest: hex.EncodeToString(sum[:6]), typ: mime.TypeByExtension(path.Ext(p))}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// staticURL is a static file's versioned URL.
func staticURL(name string) string {
	f, ok := static[name]
	if !ok {
		panic("console: no static file " + name)
	}
	return prefix + "/static/" + name + "?v=" + f.digest
}

func serveStatic(c echo.Context) error {
	f, ok := static[c.Param("file")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if c.QueryParam("v") == f.digest {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	typ := f.typ
	if typ == "" {
		typ = "text/plain; charset=utf-8"
	}
	return c.Blob(http.StatusOK, typ, f.body)
}

// when draws a time as a <time> element: UTC on the server, turned into the reader's own
// locale and time zone by console.js where scripts run.
func when(t any) template.HTML {
	var at time.Time
	switch x := t.(type) {
	case time.Time:
		at = x
	case *time.Time:
		if x == nil {
			return ""
		}
		at = *x
	default:
		return ""
	}
	if at.IsZero() {
		return ""
	}
	at = at.UTC()
	return template.HTML(`<time datetime="` + at.Format(time.RFC3339) + `">` + at.Format("2006-01-02 15:04") + ` UTC</time>`)
}
