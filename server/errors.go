package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/apierr"
)

// Error codes of the JSON error shape (docs/reference/api.md), as package apierr names them.
const (
	codeBadRequest       = apierr.BadRequest
	codeInvalidJSON      = apierr.InvalidJSON
	codeMissingField     = apierr.MissingField
	codeInvalidField     = apierr.InvalidField
	codeUnauthorized     = apierr.Unauthorized
	codeForbidden        = apierr.Forbidden
	codeNotFound         = apierr.NotFound
	codeMethodNotAllowed = apierr.MethodNotAllowed
	codeTooLarge         = apierr.TooLarge
	codeRateLimited      = apierr.RateLimited
	codeTooManyStreams   = apierr.TooManyStreams
	codeUnprocessable    = apierr.Unprocessable
	codeConflict         = apierr.Conflict
	codeUnavailable      = apierr.Unavailable
	codeTimeout          = apierr.Timeout
	codeInternal         = apierr.Internal
)

// apiError is an error the client is meant to see, as {"error":{"code","message"}}.
type apiError = apierr.Error

var errorf = apierr.Errorf

// handleError answers every error in the one JSON shape. Errors that are not an apiError are
// our fault: they are logged with the request id and the client gets no internals.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &he):
		ae = fromHTTPError(he)
		if he.Code == http.StatusNotFound || he.Code == http.StatusMethodNotAllowed {
			// The path as the log writes it: bounded, whatever its length, with no tracking token.
			ae.Message = fmt.Sprintf("no route for %s %s", c.Request().Method, logPath(c.Request().URL.Path))
		}
	default:
		s.requestLogger(c).Error("request failed", "err", err)
		ae = &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "internal error; the request id identifies it in the logs"}
	}
	body := struct {
		Error *apiError `json:"error"`
	}{ae}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(ae.Status)
	} else {
		err = c.JSON(ae.Status, body)
	}
	if err != nil {
		s.requestLogger(c).Warn("write error response", "err", err)
	}
}

// fromHTTPError maps echo's own errors (404 routing, 405, 413 from the body limit) onto the
// shape.
func fromHTTPError(he *echo.HTTPError) *apiError {
	msg, ok := he.Message.(string)
	if !ok {
		msg = http.StatusText(he.Code)
	}
	code := codeBadRequest
	switch he.Code {
	case http.StatusUnauthorized:
		code = codeUnauthorized
	case http.StatusNotFound:
		code = codeNotFound
	case http.StatusMethodNotAllowed:
		code = codeMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		code, msg = codeTooLarge, "request body is too large"
	case http.StatusUnprocessableEntity:
		code = codeUnprocessable
	case http.StatusServiceUnavailable:
		code = codeUnavailable
	default:
		if he.Code >= 500 {
			code = codeInternal
		}
	}
	return &apiError{Status: he.Code, Code: code, Message: msg}
}
