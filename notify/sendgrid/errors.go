package sendgrid

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/shipflow/shipflow/notify"
)

// maxErrorBody bounds how much of an answer is read: SendGrid's error bodies are small.
const maxErrorBody = 64 << 10

// errorBody is SendGrid's error answer: {"errors":[{"message","field","help"}]}.
type errorBody struct {
	Errors []struct {
		Message string  `json:"message"`
		Field   *string `json:"field"`
	} `json:"errors"`
}

// classify turns a non-2xx answer into shipflow's two kinds. Any 4xx but 429 is permanent
// (400 invalid request, 401 rejected key, 403 unverified sender or missing permission, 413 too
// large): SendGrid will refuse the same request again. 429, 5xx and anything else are
// retryable.
func classify(what string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	err := fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, describe(b))
	if resp.StatusCode == http.StatusTooManyRequests {
		if reset := resp.Header.Get("X-RateLimit-Reset"); reset != "" {
			err = fmt.Errorf("%w (rate limit resets at Unix time %s)", err, reset)
		}
		return err
	}
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		return &notify.PermanentError{Code: strconv.Itoa(resp.StatusCode), Err: err}
	}
	return err
}

// describe gives the first error SendGrid named, with its field, or the start of a body that
// is not SendGrid's JSON (a proxy's error page).
func describe(b []byte) string {
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err == nil && len(eb.Errors) > 0 {
		e := eb.Errors[0]
		if e.Field != nil && *e.Field != "" {
			return fmt.Sprintf("%s (field %s)", e.Message, *e.Field)
		}
		return e.Message
	}
	return notify.Excerpt(b)
}
