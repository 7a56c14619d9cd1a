package zendesk

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/egress"

	"github.com/shipflow/shipflow/escalate"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// errorBody is Zendesk's error answer. error is a code ("RecordInvalid", "RecordNotFound"), a
// sentence ("Couldn't authenticate you") or an object {"title","message"}, depending on the
// endpoint and the failure; details names the invalid fields of a 422.
type errorBody struct {
	Error       json.RawMessage `json:"error"`
	Description string          `json:"description"`
	Details     map[string][]struct {
		Description string `json:"description"`
	} `json:"details"`
}

// classify turns a non-2xx answer into shipflow's two kinds. Any 4xx but 408, 409 and 429 is
// permanent: 400 a malformed request, 401 a wrong email or token, 403 an agent without
// permission, 404 a deleted ticket, 422 invalid fields or a closed ticket. 429 (the account's
// per-minute rate limit, with Retry-After), 409 (two updates of one ticket collided), 408 and
// 5xx are retryable.
func classify(what string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	code, detail := describe(b)
	err := fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, detail)
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s == http.StatusConflict || s == http.StatusRequestTimeout || s >= 500:
		if d, ok := egress.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &escalate.RetryAfterError{Wait: d, Err: err}
		}
		return err
	case s >= 400:
		if code == "" {
			code = strconv.Itoa(s)
		}
		return &escalate.PermanentError{Code: code, Err: err}
	}
	return err // a 1xx or 3xx net/http did not handle: nothing says the request took effect
}

// describe gives Zendesk's error code (empty when the answer has none) and a line for the
// error message: the error, its description and the first invalid field, or the start of a
// body that is not Zendesk's JSON.
func describe(b []byte) (code, detail string) {
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || (len(eb.Error) == 0 && eb.Description == "") {
		s := shorten(strings.TrimSpace(string(b)))
		if s == "" {
			s = "empty answer"
		}
		return "", s
	}
	var parts []string
	var s string
	var o struct{ Title, Message string }
	switch {
	case json.Unmarshal(eb.Error, &s) == nil && s != "":
		if !strings.Contains(s, " ") {
			code = s // a code such as RecordInvalid, not a sentence
		}
		parts = append(parts, s)
	case json.Unmarshal(eb.Error, &o) == nil && (o.Title != "" || o.Message != ""):
		code = o.Title
		parts = append(parts, o.Title, o.Message)
	}
	parts = append(parts, eb.Description)
	for _, field := range slices.Sorted(maps.Keys(eb.Details)) {
		if ds := eb.Details[field]; len(ds) > 0 {
			parts = append(parts, ds[0].Description)
			break
		}
	}
	parts = slices.DeleteFunc(parts, func(p string) bool { return p == "" })
	return code, shorten(strings.Join(parts, ": "))
}

// shorten keeps an error line readable.
func shorten(s string) string {
	const limit = 300
	if len(s) <= limit {
		return s
	}
	s = s[:limit]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}
