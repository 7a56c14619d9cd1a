package server

import (
	"crypto/sha256"
	"fmt"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
)

// bearer admits requests carrying one of tokens as "Authorization: Bearer <token>". Tokens are
// compared as SHA-256 digests in constant time, so neither a token's content nor its length
// leaks through response timing. An empty token list admits nobody. The request's context
// carries the actor of the token that matched, names[i] for tokens[i], with full access: the
// environment's tokens are the operator's own.
func bearer(realm string, tokens, names []string) echo.MiddlewareFunc {
	digests := make([][32]byte, len(tokens))
	for i, t := range tokens {
		digests[i] = sha256.Sum256([]byte(t))
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			given, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
			if !ok || given == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="`+realm+`"`)
				return errorf(http.StatusUnauthorized, codeUnauthorized, "missing bearer token")
			}
			d := sha256.Sum256([]byte(given))
			match, which := 0, 0
			for i, want := range digests {
				m := subtle.ConstantTimeCompare(d[:], want[:])
				match |= m
				which = subtle.ConstantTimeSelect(m, i, which)
			}
			if match != 1 {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="`+realm+`", error="invalid_token"`)
				return errorf(http.StatusUnauthorized, codeUnauthorized, "invalid bearer token")
			}
			name := fmt.Sprintf("%s-%d", realm, which+1)
			if which < len(names) {
				name = names[which]
			}
			a := access.Actor{Name: name, Via: access.ViaAPI, Scopes: []access.Scope{access.ScopeAdmin}}
			c.SetRequest(c.Request().WithContext(access.WithActor(c.Request().Context(), a)))
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
