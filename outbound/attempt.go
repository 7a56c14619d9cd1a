package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/signature"
)

// Timeout bounds one attempt, from sending the request to reading the
// captured part of the answer. docs/reference/outbound-webhooks.md counts only a 2xx "within
// 15 s" as success, so Attempt enforces it even if the client and ctx allow
// longer; a shorter deadline on either still wins.
const Timeout = 15 * time.Second

// MaxBody is how much of an answer's body Attempt reads and Result keeps:
// enough to show a subscriber why its endpoint refused a delivery, small
// enough to store with every attempt whatever a hostile receiver sends. The
// rest is never read: closing the body unread drops the connection rather
// than drain megabytes from it.
const MaxBody = db.MaxResponseBody

// maxLocation caps the redirect target quoted in Result.Err; the receiver
// picks it, up to the client's 64 KiB of headers.
const maxLocation = 256

// UserAgent identifies shipflow to receivers, so they can route or filter
// webhook traffic; the trailing number is the payload contract version.
const UserAgent = "shipflow-webhooks/1"

// Outcome is what the caller must do after an attempt. Its zero value is
// deliberately not Delivered, so a Result that was never filled in cannot
// be mistaken for a success.
type Outcome int

const (
	// Delivered: the endpoint answered 2xx in time, the only success
	// there is (docs/reference/outbound-webhooks.md). Stop.
	Delivered Outcome = iota + 1

	// Retry: the attempt failed in a way a later attempt may not. Wait
	// NextDelay and try again, and mark the delivery failed when the
	// schedule is exhausted. This covers network errors, timeouts, every
	// 3xx (redirects are not followed), 5xx, and every 4xx but 410: the documented
	// schedule (docs/reference/outbound-webhooks.md) applies to all non-2xx answers, and a 400 or
	// 401 is often a receiver deploy or a secret rotation that is fixed
	// within the schedule's day and a half.
	Retry

	// Gone: the endpoint answered 410. docs/reference/outbound-webhooks.md says to disable the
	// endpoint; do not retry.
	Gone

	// Failed: the request cannot succeed by being sent again unchanged,
	// because the fault is in shipflow's configuration of the endpoint: a
	// secret that does not decode, a malformed URL, a nil client, or an
	// address the egress policy forbids (egress.ErrForbiddenAddress, which
	// that package documents as not worth retrying). Mark the delivery
	// failed at once, without disabling the endpoint; docs/reference/outbound-webhooks.md lets
	// an operator retry it by hand once the configuration is fixed.
	Failed
)

// String returns the outcome's name in lower case, for logs and for the
// delivery record.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Gone:
		return "gone"
	case Failed:
		return "failed"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result is the record of one attempt, kept with the delivery so that a
// subscriber can see what shipflow sent and what its endpoint answered.
type Result struct {
	// Status is the HTTP status of the answer, or 0 if none arrived.
	Status int
	// Latency is the wall-clock time from sending the request to having
	// read the captured part of the answer, or to the failure.
	Latency time.Duration
	// Body is the first MaxBody bytes of the answer's body, cut back to a
	// whole UTF-8 character and made storable and readable by db.SafeText
	// (NUL, other control characters and invalid UTF-8 become U+FFFD).
	Body string
	// Err says why the attempt did not succeed when the status alone does
	// not: a network error (prefixed "timeout: " for a timeout), a redirect
	// that was not followed, or a configuration fault. It may also be set
	// next to a Status if reading the body failed; that does not change the
	// Outcome, which the status decides.
	Err string
	// Outcome is what to do next.
	Outcome Outcome
	// RetryAfter is the wait the endpoint asked for with Retry-After on a
	// 429 or 503 answer, or 0. Pass it to NextDelay, which honours it only
	// within the schedule.
	RetryAfter time.Duration
	// Unsubscribed: the receiver said the subscription is over for good (a Zapier hook's 410:
	// the Zap was turned off or deleted). The destination is deleted rather than disabled,
	// with no staff alert: it was the subscriber's own doing, and its platform subscribes
	// again when it wants events (docs/connectors.md).
	Unsubscribed bool
}

// Attempt POSTs body as JSON to url once, with the endpoint's own headers h,
// signed per Standard Webhooks with each of secrets (several during rotation,
// one "v1," signature each), and classifies the answer. msgID is the webhook-id: the event id, the same on
// every attempt, so the receiver can deduplicate retries. now is the time of
// this attempt and becomes webhook-timestamp; it is a parameter so the
// caller decides which clock counts and tests can use the documented test vector (docs/reference/outbound-webhooks.md).
//
// c must come from egress.NewClient (see the package documentation); a nil
// client is Failed rather than a fallback to http.DefaultClient, which would
// follow redirects and reach any address. Attempt never returns an error:
// every failure is a Result, because every failure must be recorded with
// the delivery.
func Attempt(ctx context.Context, c *http.Client, url string, h Headers, secrets []string, msgID string, body []byte, now time.Time) Result {
	if c == nil {
		return Result{Outcome: Failed, Err: "no HTTP client"}
	}
	sig, err := signature.Headers(secrets, msgID, now, body)
	if err != nil {
		return Result{Outcome: Failed, Err: "signing: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Err: "building request: " + err.Error()}
	}
	// The endpoint's headers go first, so shipflow's own would win over any that slipped past
	// CheckHeaders.
	h.set(req.Header)
	for k, v := range sig {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)

	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		r := Result{Latency: time.Since(start), Outcome: Retry, Err: describe(err)}
		if errors.Is(err, egress.ErrForbiddenAddress) {
			r.Outcome = Failed
		}
		return r
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxBody))

	r := Result{
		Status:  resp.StatusCode,
		Latency: time.Since(start),
		Body:    text(raw),
		Outcome: classify(resp.StatusCode),
	}
	if readErr != nil {
		r.Err = "reading answer body: " + describe(readErr)
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		r.Err = fmt.Sprintf("redirect to %q not followed: the endpoint URL must answer itself", db.SafeText(resp.Header.Get("Location"), maxLocation))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		r.RetryAfter, _ = egress.RetryAfter(resp.Header.Get("Retry-After"), now.Add(r.Latency))
	}
	return r
}

// classify maps an answer's status to an Outcome, per docs/reference/outbound-webhooks.md.
func classify(status int) Outcome {
	switch {
	case status >= 200 && status < 300:
		return Delivered
	case status == http.StatusGone:
		return Gone
	}
	return Retry
}

// describe renders a transport error for Result.Err, marking timeouts so a
// subscriber can tell a slow endpoint from an unreachable one. It is capped
// and made safe: net/http quotes a malformed answer in its error, a header
// line of up to 64 KiB of the receiver's bytes.
func describe(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return db.SafeText("timeout: "+err.Error(), db.MaxErrorText)
	}
	return db.SafeText(err.Error(), db.MaxErrorText)
}

// text turns a captured body into storable text: a character split by the
// MaxBody cut is dropped, and the rest goes through db.SafeText.
func text(b []byte) string {
	if len(b) == MaxBody {
		// Back up over at most one incomplete trailing character.
		for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
			if utf8.RuneStart(b[len(b)-i]) {
				if !utf8.FullRune(b[len(b)-i:]) {
					b = b[:len(b)-i]
				}
				break
			}
		}
	}
	return db.SafeText(string(b), MaxBody)
}
