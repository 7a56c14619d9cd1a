package escalate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/egress"
)

// MaxAnswer bounds how much of an answer is read: acknowledgements and refusals are a few
// hundred bytes.
const MaxAnswer = 4 << 10

// Classify turns a staff service's non-2xx answer into shipflow's two kinds of failure. Any
// 4xx but 408 and 429 comes back the same for the same request: a *PermanentError, with the
// service's own error code when describe finds one (else the HTTP status). 429, 408 and 5xx
// are worth retrying, after the Retry-After the service asked for when it gave one. describe
// reads the service's error body into its code and a line for the message.
func Classify(what string, resp *http.Response, describe func(body []byte) (code, detail string)) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	code, detail := describe(b)
	if detail == "" {
		detail = "empty answer"
	}
	err := &HTTPError{What: what, Status: resp.StatusCode, Detail: detail}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s == http.StatusRequestTimeout || s >= 500:
		if d, ok := egress.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return &RetryAfterError{Wait: d, Err: err}
		}
		return err
	case s >= 400:
		if code == "" {
			code = strconv.Itoa(s)
		}
		return &PermanentError{Code: code, Err: err}
	}
	return err // a 1xx or 3xx net/http did not handle: nothing says the message was posted
}

// Shorten keeps an error line readable: some services answer with paragraphs or HTML pages.
func Shorten(s string) string {
	const limit = 200
	s = strings.TrimSpace(s)
	if len(s) <= limit {
		return s
	}
	s = s[:limit]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// Redact drops the URL net/http puts in its errors: a chat's webhook URL is the secret that
// lets anyone post to it, so it must not reach logs or workflow histories. What failed (the
// dial, the TLS handshake, the timeout) stays, and so does errors.Is on it.
func Redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s webhook: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// HTTPError is a staff service's non-2xx answer: its status and a line of its error body.
// Classify wraps it in the kind of failure it is; errors.As finds it for a caller that keeps
// the answer (the milestone feeds' attempt log).
type HTTPError struct {
	What   string // what was being done, e.g. "slack: alert for order ord_1"
	Status int
	Detail string // the service's error, shortened; never the webhook URL
}

func (e *HTTPError) Error() string { return fmt.Sprintf("%s: HTTP %d: %s", e.What, e.Status, e.Detail) }

// PostJSON posts v as JSON to a chat's webhook and classifies the answer (see Post).
func PostJSON(ctx context.Context, hc *http.Client, webhookURL, contentType, what string, v any, describe func([]byte) (code, detail string)) error {
	_, err := Post(ctx, hc, webhookURL, contentType, what, v, describe)
	return err
}

// Post posts v as JSON to a chat's webhook, classifies the answer (see Classify) and returns
// its status (0 when none came). The URL is a secret: errors never carry it. Go's HTML
// escaping of <, > and & is off, because no browser reads the body and the payload stays as
// readable as the message.
func Post(ctx context.Context, hc *http.Client, webhookURL, contentType, what string, v any, describe func([]byte) (code, detail string)) (int, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return 0, &PermanentError{Err: fmt.Errorf("%s: encode message: %w", what, err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, &buf)
	if err != nil {
		return 0, &PermanentError{Err: fmt.Errorf("%s: invalid webhook URL: %w", what, Redact(err))}
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, Redact(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Drain the acknowledgement so that the connection is reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxAnswer))
		return resp.StatusCode, nil
	}
	return resp.StatusCode, Classify(what, resp, describe)
}
