package googlechat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/escalate"
)

// maxAnswer bounds how much of an answer is read: enough for the created message or a Google
// API error.
const maxAnswer = 64 << 10

// errorBody is the Google API error answer: {"error":{"code":400,"message":"...","status":
// "INVALID_ARGUMENT"}}.
type errorBody struct {
	Error struct {
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
}

// classify turns a non-2xx answer into shipflow's two kinds. Any 4xx but 408 and 429 is
// permanent: 400 INVALID_ARGUMENT a card Chat cannot render, 401/403 a wrong or revoked key or
// token, 404 NOT_FOUND a deleted space or webhook. 429 RESOURCE_EXHAUSTED (Chat allows about 60
// writes a minute per space, shared with every app in it), 408 and 5xx are retryable.
func classify(what string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	code, detail := describe(b)
	err := fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, detail)
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
		if d, ok := retryAfter(resp.Header); ok {
			return &escalate.RetryAfterError{Wait: d, Err: err}
		}
		return err
	case s >= 400:
		if code == "" {
			code = strconv.Itoa(s)
		}
		return &escalate.PermanentError{Code: code, Err: err}
	}
	return err // a 1xx or 3xx net/http did not handle: nothing says the message was posted
}

// describe gives the error status and a line for the error message: the Google error's status
// and message, or the start of a body that is not one (a front end's HTML page).
func describe(b []byte) (code, detail string) {
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err == nil && (eb.Error.Status != "" || eb.Error.Message != "") {
		return eb.Error.Status, shorten(join(eb.Error.Status, eb.Error.Message))
	}
	s := shorten(strings.TrimSpace(string(b)))
	if s == "" {
		s = "empty answer"
	}
	return "", s
}

// join joins the non-empty parts of an error line.
func join(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(p string) bool { return p == "" }), ": ")
}

// shorten keeps an error line readable; a front end's error page can be long.
func shorten(s string) string {
	const limit = 200
	if len(s) <= limit {
		return s
	}
	s = s[:limit]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// retryAfter reads a Retry-After header given in seconds, when Google sends one.
func retryAfter(h http.Header) (time.Duration, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// redact drops the URL net/http puts in its errors: a Chat webhook URL carries the key and
// token that let anyone post to the space, so it must not reach logs or workflow histories.
// What failed (the dial, the TLS handshake, the timeout) stays, and so does errors.Is on it.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s webhook: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
