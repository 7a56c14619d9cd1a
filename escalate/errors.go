package escalate

import (
	"errors"
	"fmt"
	"time"
)

// PermanentError is a refusal that sending the same request again cannot fix: a webhook that
// was deleted or whose secret was revoked, rejected Zendesk credentials, a payload or ticket
// the service finds invalid (any 4xx but 408, 409 and 429). Every channel in the subpackages
// returns one for such refusals so that the activity calling it fails at once instead of
// retrying for hours; anything else (429, 5xx, a network failure, a timeout) is a plain error
// worth retrying.
type PermanentError struct {
	Code string // the service's error code, e.g. Slack "no_service", Zendesk "RecordInvalid", else the HTTP status
	Err  error
}

// Error names the code when there is one, so logs show why the service refused.
func (e *PermanentError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("permanent failure (code %s): %v", e.Code, e.Err)
	}
	return "permanent failure: " + e.Err.Error()
}

// Unwrap gives the failure, so errors.Is and errors.As see through the classification.
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err must not be retried.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// ErrPublicRefused marks a permanent refusal of a ticket's customer-facing comment on a ticket
// that was opened all the same: the ticket ID returned beside it is good, and staff keep their
// ticket although the customer was not told. A caller logs it and carries on with the ticket.
var ErrPublicRefused = errors.New("the customer-facing comment was refused")

// RetryAfterError is a retryable refusal for which the service said when to come back: a 429
// or 503 with a Retry-After header. Retrying sooner only meets the same answer, so a caller
// that can choose its next retry delay (a Temporal activity's NextRetryDelay) should use Wait.
type RetryAfterError struct {
	Wait time.Duration
	Err  error
}

// Error adds the wait the service asked for to the failure.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.Wait)
}

// Unwrap gives the failure, so errors.Is and errors.As see through the wait.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter reports how long the service asked to wait before err's request is tried again,
// and whether it said so at all.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryAfterError
	if errors.As(err, &r) {
		return r.Wait, true
	}
	return 0, false
}
