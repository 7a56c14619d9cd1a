// Package apierr is the HTTP API's one error shape (docs/reference/api.md), {"error":{"code",
// "message"}}, for the server and for the domain packages whose handlers it mounts: a handler
// anywhere returns an *Error, and the server's error handler writes it.
package apierr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// Error codes of the shape. Clients branch on the code; the message is for people.
const (
	BadRequest       = "bad_request"
	InvalidJSON      = "invalid_json"
	MissingField     = "missing_field"
	InvalidField     = "invalid_field"
	Unauthorized     = "unauthorized"
	Forbidden        = "forbidden"
	NotFound         = "not_found"
	MethodNotAllowed = "method_not_allowed"
	TooLarge         = "payload_too_large"
	RateLimited      = "rate_limited"
	TooManyStreams   = "too_many_streams"
	Unprocessable    = "unprocessable"
	Conflict         = "conflict"
	Unavailable      = "unavailable"
	Timeout          = "timeout"
	Internal         = "internal"
)

// Error is an error the client is meant to see, with its HTTP status.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf is an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Decode maps what encoding/json says about a request body onto the shape: malformed JSON is
// invalid_json, anything else (an unknown field, a second value) a bad request.
func Decode(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, InvalidJSON, "malformed JSON: %v", err)
	case errors.As(err, &te):
		return Errorf(http.StatusBadRequest, InvalidJSON, "malformed JSON: %s should be %s, not %s", te.Field, te.Type, te.Value)
	default:
		return Errorf(http.StatusBadRequest, BadRequest, "%v", err)
	}
}

// PageLimit reads a list's limit parameter; 0 when absent, which lists take as their default.
func PageLimit(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, Errorf(http.StatusBadRequest, InvalidField, "limit: %q is not a number from 1 to 200", v)
	}
	return n, nil
}
