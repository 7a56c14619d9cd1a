package slack

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/escalate"
)

// maxAnswer bounds how much of an answer is read: Slack answers with one short word.
const maxAnswer = 64 << 10

// classify turns a non-2xx answer into shipflow's two kinds. Slack answers a webhook's
// refusal with a status and a plain-text code: 400 invalid_payload or invalid_blocks, 403
// invalid_token or action_prohibited, 404 no_service or channel_not_found, 410
// channel_is_archived. Those, like any 4xx but 408 and 429, come back for the same request and
// are permanent. 429 (Slack allows about one message a second per webhook, and says when to
// come back in Retry-After), 408 and 5xx are retryable.
func classify(what string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	code := describe(b)
	err := fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, code)
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
		if d, ok := retryAfter(resp.Header); ok {
			return &escalate.RetryAfterError{Wait: d, Err: err}
		}
		return err
	case s >= 400:
		if code == "" || strings.ContainsAny(code, " <") {
			code = strconv.Itoa(s) // not Slack's own code: a proxy's page or an empty body
		}
		return &escalate.PermanentError{Code: code, Err: err}
	}
	return err // a 1xx or 3xx net/http did not handle: nothing says the message was posted
}

// describe gives Slack's error code, which is the whole body, or the start of a body that is
// not Slack's (a proxy's error page), or "empty answer".
func describe(b []byte) string {
	const limit = 200
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		s = s[:limit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	if s == "" {
		return "empty answer"
	}
	return s
}

// retryAfter reads a Retry-After header given in seconds, the form Slack uses.
func retryAfter(h http.Header) (time.Duration, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// redact drops the URL net/http puts in its errors: a webhook URL is the secret that lets
// anyone post to the channel, so it must not reach logs or workflow histories. What failed
// (the dial, the TLS handshake, the timeout) stays, and so does errors.Is on it.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s webhook: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
