package twilio

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/shipflow/shipflow/notify"
)

// classify turns a twilio-go error into shipflow's two kinds. A 4xx answer other than 429 is
// permanent: Twilio refused this message (21211 invalid To, 21610 unsubscribed recipient,
// 21408 region not enabled, 20003 rejected credentials, ...) and will refuse it again. A 429,
// a 5xx, a network error or a timeout is retryable. status and body are what the transport
// saw, for answers twilio-go could not decode.
func classify(what string, err error, status int, body []byte) error {
	var restErr *twclient.TwilioRestError
	var v1Err *twclient.RestErrorV1
	switch {
	case errors.As(err, &restErr):
		if restErr.Status != 0 {
			status = restErr.Status
		}
		return wrap(what, status, restErr.Code, err)
	case errors.As(err, &v1Err):
		if v1Err.HttpStatusCode != 0 {
			status = v1Err.HttpStatusCode
		}
		return wrap(what, status, v1Err.Code, err)
	case status >= 400:
		// An answer without Twilio's JSON error, e.g. a load balancer's 503 page.
		return wrap(what, status, 0, fmt.Errorf("HTTP %d %s: %s", status, http.StatusText(status), snippet(body)))
	}
	return fmt.Errorf("%s: %w", what, err)
}

func wrap(what string, status, code int, err error) error {
	err = fmt.Errorf("%s: %w", what, err)
	if !permanent(status) {
		return err
	}
	p := &notify.PermanentError{Err: err}
	if code != 0 {
		p.Code = strconv.Itoa(code)
	}
	return p
}

// permanent reports whether an HTTP status means Twilio will never accept the request as is.
func permanent(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusTooManyRequests
}

// snippet shortens an error body for a message.
func snippet(b []byte) string {
	const limit = 200
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		s = s[:limit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}
