package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/tokens"
)

// routeTokens mounts the named tokens' API (docs/reference/api.md "Tokens"), each route
// behind m (the admin scope).
func (s *server) routeTokens(g *echo.Group, m ...echo.MiddlewareFunc) {
	g.POST("/tokens", s.createToken, m...)
	g.GET("/tokens", s.listTokens, m...)
	g.DELETE("/tokens/:id", s.revokeToken, m...)
}

// maxTokenRequest caps the body of POST /v1/tokens: a name and a few scopes.
const maxTokenRequest = 4 << 10

// tokenRequest is the body of POST /v1/tokens.
type tokenRequest struct {
	Name   *string   `json:"name"`
	Scopes *[]string `json:"scopes"`
}

// parseTokenRequest reads the body of POST /v1/tokens: a name (access.ValidName) and at least
// one known scope, repeats dropped.
func parseTokenRequest(body []byte) (string, []access.Scope, error) {
	if len(body) > maxTokenRequest {
		return "", nil, errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "request body is too large")
	}
	var r tokenRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return "", nil, apierr.Decode(err)
	}
	if dec.More() {
		return "", nil, errorf(http.StatusBadRequest, codeBadRequest, "the body holds more than one JSON value")
	}
	switch {
	case r.Name == nil:
		return "", nil, errorf(http.StatusBadRequest, codeMissingField, "name is required")
	case r.Scopes == nil:
		return "", nil, errorf(http.StatusBadRequest, codeMissingField, "scopes is required")
	case len(*r.Scopes) > 2*len(access.Scopes):
		return "", nil, errorf(http.StatusBadRequest, codeInvalidField, "scopes: at most %d", 2*len(access.Scopes))
	}
	var scopes []access.Scope
	for _, v := range *r.Scopes {
		sc, ok := access.ParseScope(v)
		if !ok {
			if len(v) > 32 {
				v = v[:32] + "…"
			}
			return "", nil, errorf(http.StatusBadRequest, codeInvalidField, "scopes: %q is not one of %v", v, access.Scopes)
		}
		scopes = append(scopes, sc)
	}
	if err := tokens.Check(*r.Name, scopes); err != nil {
		return "", nil, errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
	}
	return *r.Name, scopes, nil
}

// createdToken is a token as its creation answers it: the only time its text is shown.
type createdToken struct {
	tokens.Token
	Secret string `json:"token"`
}

// createToken is POST /v1/tokens.
func (s *server) createToken(c echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxTokenRequest+1))
	if err != nil {
		return err
	}
	name, scopes, err := parseTokenRequest(body)
	if err != nil {
		return err
	}
	t, secret, err := tokens.Create(c.Request().Context(), s.DB, name, scopes)
	switch {
	case errors.Is(err, tokens.ErrNameTaken), errors.Is(err, tokens.ErrTooMany):
		return errorf(http.StatusConflict, codeConflict, "%v", err)
	case err != nil:
		return err
	}
	return c.JSON(http.StatusCreated, createdToken{Token: t, Secret: secret})
}

// listTokens is GET /v1/tokens: every token, live first, without text or hash.
func (s *server) listTokens(c echo.Context) error {
	ts, err := tokens.List(c.Request().Context(), s.DB)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []tokens.Token{}
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": ts})
}

// revokeToken is DELETE /v1/tokens/{id}: 204, also for a token revoked already.
func (s *server) revokeToken(c echo.Context) error {
	id := c.Param("id")
	if !tokens.ValidID(id) {
		return errorf(http.StatusNotFound, codeNotFound, "no token %q", truncate(id))
	}
	_, _, err := tokens.Revoke(c.Request().Context(), s.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		return errorf(http.StatusNotFound, codeNotFound, "no token %s", id)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// truncate bounds an id read from a path for an error message.
func truncate(id string) string {
	if len(id) > 40 {
		return id[:40] + "…"
	}
	return id
}
