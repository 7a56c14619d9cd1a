package mailgun

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/shipflow/shipflow/notify"
)

// maxErrorBody bounds how much of an answer is read: Mailgun's answers are small.
const maxErrorBody = 64 << 10

// classify turns a non-2xx answer into shipflow's two kinds. Any 4xx but 429 is permanent
// (400 a message Mailgun will not take, 401 and 403 a rejected key or a domain the key may not
// send from, 404 an unknown domain or the wrong region, 413 too large): Mailgun refuses the
// same request again. 429, 5xx and anything else are retryable.
func classify(what string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	err := fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, describe(b))
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
		return &notify.PermanentError{Code: strconv.Itoa(resp.StatusCode), Err: err}
	}
	return err
}

// describe gives Mailgun's {"message": ...}, or the start of a body that is not that JSON
// (Mailgun answers a bad key with plain "Forbidden"; a proxy answers with a page).
func describe(b []byte) string {
	var eb struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &eb); err == nil && eb.Message != "" {
		return eb.Message
	}
	return notify.Excerpt(b)
}
