package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/tokens"
)

// bearer admits requests carrying "Authorization: Bearer <token>" with one of secrets (the
// environment's, names[i] naming secrets[i]) or a live named token (package tokens), and puts
// the token's actor in the request's context: an environment token's with full access (they
// are the operator's own), a named token's with its scopes. Which routes those scopes open is
// each route's requireScope. Environment tokens are compared as SHA-256 digests in constant
// time, so neither a token's content nor its length leaks through response timing; a named
// token is found by its digest. An empty token list admits the named tokens only.
func (s *server) bearer(realm string, secrets, names []string) echo.MiddlewareFunc {
	env := envTokens(realm, secrets, names)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			given, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
			if !ok || given == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="`+realm+`"`)
				return errorf(http.StatusUnauthorized, codeUnauthorized, "missing bearer token")
			}
			a, err := s.actorOf(c.Request().Context(), env, given, access.ViaAPI)
			if errors.Is(err, tokens.ErrUnknown) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="`+realm+`", error="invalid_token"`)
				return errorf(http.StatusUnauthorized, codeUnauthorized, "invalid bearer token")
			}
			if err != nil {
				return err
			}
			c.SetRequest(c.Request().WithContext(access.WithActor(c.Request().Context(), a)))
			return next(c)
		}
	}
}

// envTokenSet is the environment's tokens of one kind as SHA-256 digests, each with the actor
// it stands for.
type envTokenSet struct {
	digests [][32]byte
	actors  []access.Actor
}

// envTokens are the admin tokens of SHIPFLOW_ADMIN_TOKENS, named names[i] or realm-N.
func envTokens(realm string, secrets, names []string) envTokenSet {
	var ts envTokenSet
	for i, t := range secrets {
		name := fmt.Sprintf("%s-%d", realm, i+1)
		if i < len(names) {
			name = names[i]
		}
		ts.add(t, access.Actor{Name: name, Scopes: []access.Scope{access.ScopeAdmin}})
	}
	return ts
}

func (ts *envTokenSet) add(token string, a access.Actor) {
	ts.digests = append(ts.digests, sha256.Sum256([]byte(token)))
	ts.actors = append(ts.actors, a)
}

// match is the actor of the environment token given, compared with every one in constant
// time; ok is false when none is given.
func (ts envTokenSet) match(given string) (a access.Actor, ok bool) {
	d := sha256.Sum256([]byte(given))
	match, which := 0, 0
	for i, want := range ts.digests {
		m := subtle.ConstantTimeCompare(d[:], want[:])
		match |= m
		which = subtle.ConstantTimeSelect(m, i, which)
	}
	if match != 1 {
		return access.Actor{}, false
	}
	return ts.actors[which], true
}

// actorOf is the actor of a bearer token come by via: an environment token of env, else a
// live named token; tokens.ErrUnknown for anything else.
func (s *server) actorOf(ctx context.Context, env envTokenSet, given string, via access.Via) (access.Actor, error) {
	if a, ok := env.match(given); ok {
		a.Via = via
		return a, nil
	}
	t, err := tokens.Authenticate(ctx, s.DB, given, s.now())
	if err != nil {
		return access.Actor{}, err
	}
	return t.Actor(via), nil
}

// requireScope refuses, 403 forbidden, a request whose actor (bearer put it there) lacks
// scope. Every /v1 route names the scope it needs with one.
func requireScope(scope access.Scope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a, ok := access.ActorFrom(c.Request().Context()); !ok || !a.Can(scope) {
				return errorf(http.StatusForbidden, codeForbidden, "this token lacks the %s scope", scope)
			}
			return next(c)
		}
	}
}

// zapierKeyHeader carries a Zapier API key: the header Zapier's API Key authentication sends
// the key in, as the integration's requests set it (docs/connectors.md "## Zapier").
const zapierKeyHeader = "X-API-Key"

// apiKey admits requests carrying one of keys in header, compared as bearer compares tokens
// (SHA-256 digests, constant time). An empty key list admits nobody. It is the Zapier keys'
// only door: they open the routes it guards and nothing else.
func apiKey(header string, keys []string) echo.MiddlewareFunc {
	digests := make([][32]byte, len(keys))
	for i, k := range keys {
		digests[i] = sha256.Sum256([]byte(k))
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			given := c.Request().Header.Get(header)
			if given == "" {
				return errorf(http.StatusUnauthorized, codeUnauthorized, "missing API key: send it in the "+header+" header")
			}
			d := sha256.Sum256([]byte(given))
			match := 0
			for _, want := range digests {
				match |= subtle.ConstantTimeCompare(d[:], want[:])
			}
			if match != 1 {
				return errorf(http.StatusUnauthorized, codeUnauthorized, "invalid API key")
			}
			return next(c)
		}
	}
}
