package track

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/order"
)

// DefaultTimeout bounds one call to a tracking API when the caller gives no
// *http.Client of its own: long enough for an aggregator that asks the
// carrier on the spot, short enough that a hung connection cannot hold a
// poller past its next turn.
const DefaultTimeout = 10 * time.Second

// Sentinels that an error from a Tracker may wrap, beside its class
// (*PermanentError, *RateLimitError or retryable), so that a caller can tell
// an operator's problem from a shipment's.
var (
	// ErrNotFound means the provider does not know the tracking number: the
	// shipment's data is wrong, or the number was never registered with it.
	ErrNotFound = errors.New("tracking number not found")
	// ErrUnauthorized means the provider rejected the API key: a
	// configuration problem that no retry fixes.
	ErrUnauthorized = errors.New("API key rejected")
)

// APIError is a tracking API's error answer: the HTTP status and what the
// provider said, in its own code and words. It never holds the request,
// so it cannot leak the API key.
type APIError struct {
	Provider string // "aftership", "easypost", "shipengine"
	Status   int    // HTTP status
	Code     string // the provider's error code, e.g. "TRACKER.CREATE.ERROR"; may be empty
	Message  string // the provider's message, cut short
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Provider, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) and errors.Is(err, ErrUnauthorized)
// hold for the statuses that mean them.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound || e.Status == http.StatusGone
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	}
	return false
}

// Classify wraps err, the error for a provider's answer with the given
// HTTP status, in the class a poller acts on:
//
//   - 429 is a *RateLimitError, waiting as long as RetryAfter says;
//   - any other 4xx (a rejected key, an unknown tracking number, a request
//     the provider refuses) is a *PermanentError, except 408, 409 and 425,
//     which say "not now" rather than "never";
//   - 5xx and anything else is returned as it is: retryable.
func Classify(err error, status int, h http.Header, now time.Time) error {
	switch {
	case status == http.StatusTooManyRequests:
		return &RateLimitError{RetryAfter: RetryAfter(h, now), Err: err}
	case status == http.StatusRequestTimeout, status == http.StatusConflict, status == http.StatusTooEarly:
		return err
	case status >= 400 && status < 500:
		return &PermanentError{Err: err}
	}
	return err
}

// RetryAfter is how long a 429 asks the client to wait: the Retry-After
// header in seconds or as an HTTP date, or else X-RateLimit-Reset as a Unix
// time (AfterShip's only hint). Zero when neither says, or the time has
// passed.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := egress.RetryAfter(h.Get("Retry-After"), now); ok {
		return d
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return positive(time.Unix(s, 0).Sub(now))
		}
	}
	return 0
}

// maxWait caps a provider's hint, so that a bogus one cannot park a poller
// for years: the cap egress puts on Retry-After.
const maxWait = egress.MaxRetryAfter

func positive(d time.Duration) time.Duration {
	return min(max(d, 0), maxWait)
}

// Response bodies are read up to these sizes: a tracking object with every
// checkpoint is tens of kilobytes; an error body matters only for its first
// words.
const (
	maxBody      = 8 << 20
	maxErrorBody = 64 << 10
)

// ErrorParser reads a provider's error body into its code and message;
// either may be empty when the body is not the provider's error shape (a
// proxy's HTML page, say).
type ErrorParser func(body []byte) (code, message string)

// Do sends req and returns the body of a 2xx answer. Any other answer
// becomes an *APIError (with what parse reads from its body) classified by
// Classify; a network failure, a timeout or a cancelled ctx is a plain,
// retryable error. Errors name the provider, never the request's headers.
func Do(hc *http.Client, req *http.Request, provider string, parse ErrorParser) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", provider, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return nil, fmt.Errorf("%s: reading answer: %w", provider, err)
		}
		return body, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	apiErr := &APIError{Provider: provider, Status: resp.StatusCode}
	if parse != nil {
		code, msg := parse(body)
		apiErr.Code, apiErr.Message = clip(code), clip(msg)
	}
	return nil, Classify(apiErr, resp.StatusCode, resp.Header, time.Now())
}

// NewRequest is http.NewRequestWithContext for a JSON API, with the headers
// every tracking API call carries.
func NewRequest(ctx context.Context, method, url string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "shipflow")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// HTTPClient is hc, or a client with DefaultTimeout when hc is nil.
func HTTPClient(hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// clip keeps a provider's text short enough for a log line.
func clip(s string) string {
	const max = 200
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	return order.Clip(s, max) + "…"
}
