package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/tokens"
)

// sessionTTL is how long a sign-in lasts: a working day, after which the token is asked again.
const sessionTTL = 12 * time.Hour

// Cookie names. The __Host- prefix makes the browser refuse the cookie unless it is Secure,
// host-only and for the whole site, so a sibling subdomain cannot plant one; plain HTTP (dev)
// cannot carry it and uses the bare name.
const (
	cookieSession      = "shipflow_console"
	cookieSignIn       = "shipflow_console_signin"
	securePrefix       = "__Host-"
	headerCSRF         = "X-CSRF-Token"
	fieldCSRF          = "_csrf"
	maxTokenLen        = 512
	signInCookieMaxAge = 3600
	sessionKey         = "console.session"
	defaultAfterSignIn = prefix + "/orders"
	reasonSignedOut    = "signed-out"
	reasonExpired      = "expired"
)

// session is a signed-in person: who (the token's name), what their token may do, and the
// CSRF token their forms carry.
type session struct {
	Actor  string
	CSRF   string
	Scopes []access.Scope
}

// can reports whether the session's token holds scope.
func (s *session) can(scope access.Scope) bool {
	return access.Actor{Scopes: s.Scopes}.Can(scope)
}

// consoleScopes are the scopes that open a console page; a token with none of them (a voice
// platform's) is not taken at sign-in.
var consoleScopes = []access.Scope{access.ScopeReadOrders, access.ScopeOperateOrders, access.ScopeWebhooks, access.ScopeAdmin}

// home is where a session goes after sign-in when it asked for no page: the first page its
// scopes open.
func (s *session) home() string {
	switch {
	case s.can(access.ScopeReadOrders):
		return defaultAfterSignIn
	case s.can(access.ScopeWebhooks):
		return prefix + "/webhooks"
	}
	return prefix + "/exceptions"
}

// need refuses, with the console's 403 page, a request of a session whose token lacks scope.
// Every page and action names the scope it needs with one, as the API's routes do.
func need(scope access.Scope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if s := current(c); s == nil || !s.can(scope) {
				return problem(http.StatusForbidden, "Your token does not have the %s scope, which this needs. An admin can make you a token that has it.", scope)
			}
			return next(c)
		}
	}
}

func (con *Console) cookieName(base string) string {
	if con.Secure {
		return securePrefix + base
	}
	return base
}

func (con *Console) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: con.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: con.Secure, SameSite: http.SameSiteStrictMode,
	}
}

func hashID(id string) []byte {
	d := sha256.Sum256([]byte(id))
	return d[:]
}

// session admits requests of a live session and refuses a state-changing request whose CSRF
// token is not the session's. Without a session a page redirects to sign-in, coming back to it
// afterwards; an htmx request is told to do the same with the whole page.
func (con *Console) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		s, err := con.lookup(req.Context(), c)
		if err != nil {
			return err
		}
		if s == nil {
			to := prefix + "/sign-in"
			if req.Method == http.MethodGet {
				to += "?next=" + url.QueryEscape(req.URL.RequestURI())
			}
			if req.Header.Get("HX-Request") == "true" {
				c.Response().Header().Set("HX-Redirect", to)
				return c.NoContent(http.StatusUnauthorized)
			}
			return c.Redirect(http.StatusSeeOther, to)
		}
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			given := req.Header.Get(headerCSRF)
			if given == "" {
				given = c.FormValue(fieldCSRF)
			}
			if subtle.ConstantTimeCompare([]byte(given), []byte(s.CSRF)) != 1 {
				return problem(http.StatusForbidden, "This form has expired or did not come from the console. Go back, reload the page and try again.")
			}
		}
		c.Set(sessionKey, s)
		a := access.Actor{Name: s.Actor, Via: access.ViaConsole, Scopes: s.Scopes}
		c.SetRequest(req.WithContext(access.WithActor(req.Context(), a)))
		return next(c)
	}
}

// lookup finds the request's live session; nil when it has none. A session opened with a
// named token ends when the token is revoked: the token's row is read with the session's.
func (con *Console) lookup(ctx context.Context, c echo.Context) (*session, error) {
	ck, err := c.Cookie(con.cookieName(cookieSession))
	if err != nil || ck.Value == "" || len(ck.Value) > 64 {
		return nil, nil
	}
	var s session
	var scopes []string
	err = con.DB.QueryRow(ctx, `
		SELECT s.actor, s.csrf, s.scopes FROM console_sessions s LEFT JOIN api_tokens t ON t.id = s.token_id
		WHERE s.id_hash = $1 AND s.expires_at > $2 AND (s.token_id IS NULL OR t.revoked_at IS NULL)`,
		hashID(ck.Value), con.now()).Scan(&s.Actor, &s.CSRF, &scopes)
	for _, sc := range scopes {
		s.Scopes = append(s.Scopes, access.Scope(sc))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load console session: %w", err)
	}
	return &s, nil
}

// current is the request's session; the session middleware put it there.
func current(c echo.Context) *session {
	s, _ := c.Get(sessionKey).(*session)
	return s
}

// signInView is what signin.html draws.
type signInView struct {
	Next    string
	Form    string
	Problem string
}

// signInForm shows the sign-in form. The form carries a value also set as a cookie, and the
// form is taken only when both agree, so another site cannot sign a browser in to a session of
// its own (login CSRF).
func (con *Console) signInForm(c echo.Context) error {
	v := signInView{Next: safeNext(c.QueryParam("next")), Form: rand.Text()}
	switch c.QueryParam("why") {
	case reasonSignedOut:
		v.Problem = "You are signed out."
	case reasonExpired:
		v.Problem = "Your session has ended. Sign in again."
	}
	return con.signInPage(c, http.StatusOK, v)
}

func (con *Console) signInPage(c echo.Context, status int, v signInView) error {
	c.SetCookie(con.cookie(cookieSignIn, v.Form, signInCookieMaxAge))
	return render(c, status, "signin", view{Title: "Sign in", Data: v})
}

// signIn exchanges a token for a session: an admin token of the environment, or a named token
// with a scope that opens a page. The session keeps the token's scopes.
func (con *Console) signIn(c echo.Context) error {
	next := safeNext(c.FormValue("next"))
	form := c.FormValue("form")
	ck, err := c.Cookie(con.cookieName(cookieSignIn))
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(form)) != 1 {
		return con.signInPage(c, http.StatusForbidden, signInView{Next: next, Form: rand.Text(),
			Problem: "The sign-in form had expired. Enter the token again."})
	}
	token := strings.TrimSpace(c.FormValue("token"))
	ctx := c.Request().Context()
	now := con.now()
	s, tokenID, err := con.match(ctx, token, now)
	if errors.Is(err, tokens.ErrUnknown) {
		con.Logger.Warn("console sign-in refused", "client", c.RealIP())
		return con.signInPage(c, http.StatusUnauthorized, signInView{Next: next, Form: rand.Text(),
			Problem: "That token is not a token of this deployment, or it was revoked."})
	}
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(consoleScopes, s.can) {
		return con.signInPage(c, http.StatusForbidden, signInView{Next: next, Form: rand.Text(),
			Problem: "That token opens no page of the console: it is for the voice assistant."})
	}
	if next == defaultAfterSignIn {
		next = s.home()
	}
	id, csrf := rand.Text(), rand.Text()
	scopes := make([]string, len(s.Scopes))
	for i, sc := range s.Scopes {
		scopes[i] = string(sc)
	}
	if _, err := con.DB.Exec(ctx, `INSERT INTO console_sessions (id_hash, actor, csrf, scopes, token_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		hashID(id), s.Actor, csrf, scopes, tokenID, now, now.Add(sessionTTL)); err != nil {
		return fmt.Errorf("store console session: %w", err)
	}
	con.purge(ctx, now)
	con.Logger.Info("console sign-in", "actor", s.Actor, "client", c.RealIP())
	c.SetCookie(con.cookie(cookieSignIn, "", -1))
	c.SetCookie(con.cookie(cookieSession, id, int(sessionTTL/time.Second)))
	return c.Redirect(http.StatusSeeOther, next)
}

// match is the session a token opens and, for a named token, its id: an admin token of the
// environment, compared as SHA-256 digests in constant time as the API's bearer check does, so
// neither a token's content nor its length leaks through timing, with full access; else a
// live named token (package tokens) with its scopes. tokens.ErrUnknown for anything else.
func (con *Console) match(ctx context.Context, token string, now time.Time) (session, *string, error) {
	if token == "" || len(token) > maxTokenLen {
		return session{}, nil, tokens.ErrUnknown
	}
	d := sha256.Sum256([]byte(token))
	found := -1
	for i, want := range con.digests {
		if subtle.ConstantTimeCompare(d[:], want[:]) == 1 {
			found = i
		}
	}
	if found >= 0 {
		return session{Actor: con.Tokens[found].Name, Scopes: []access.Scope{access.ScopeAdmin}}, nil, nil
	}
	t, err := tokens.Authenticate(ctx, con.DB, token, now)
	if err != nil {
		return session{}, nil, err
	}
	return session{Actor: t.Name, Scopes: t.Scopes}, &t.ID, nil
}

// purge deletes sessions that ended, now and then, as sign-ins happen; nothing else writes the
// table, so it cannot grow without sign-ins.
func (con *Console) purge(ctx context.Context, now time.Time) {
	if _, err := con.DB.Exec(ctx, `DELETE FROM console_sessions WHERE expires_at < $1`, now); err != nil {
		con.Logger.Warn("purge console sessions", "err", err)
	}
}

// signOut ends the session everywhere.
func (con *Console) signOut(c echo.Context) error {
	if ck, err := c.Cookie(con.cookieName(cookieSession)); err == nil {
		if _, err := con.DB.Exec(c.Request().Context(), `DELETE FROM console_sessions WHERE id_hash = $1`, hashID(ck.Value)); err != nil {
			return fmt.Errorf("end console session: %w", err)
		}
	}
	c.SetCookie(con.cookie(cookieSession, "", -1))
	return c.Redirect(http.StatusSeeOther, prefix+"/sign-in?why="+reasonSignedOut)
}

// safeNext is where to go after sign-in: a console path only, so the form cannot be made to
// send a person elsewhere (an open redirect).
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, prefix+"/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || unicode.IsControl(r) }) || strings.Contains(next, "/..") || strings.HasPrefix(next, prefix+"/sign-") {
		return defaultAfterSignIn
	}
	return next
}
