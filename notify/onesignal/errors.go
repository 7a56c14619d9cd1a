package onesignal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/shipflow/shipflow/notify"
)

// maxAnswer bounds how much of an answer is read: OneSignal's answers are small.
const maxAnswer = 64 << 10

// NoSubscribers is OneSignal's message when none of the targeted users has a subscription on
// the channel: answered with 200 and an empty id, or with 400 by older API versions.
const NoSubscribers = "All included players are not subscribed"

// CodeNotSubscribed is the PermanentError code of a push OneSignal could not send because the
// customer has no push subscription (never opted in, or turned notifications off), or no user
// has their external id.
const CodeNotSubscribed = "not_subscribed"

// ErrNotSubscribed is wrapped by the refusal of a customer with no push subscription.
var ErrNotSubscribed = errors.New("the app user has no push subscription")

// Answer is OneSignal's Create Notification answer. Errors is polymorphic: a list of messages,
// or an object of invalid targets (invalid_aliases {"external_id": [...]},
// invalid_external_user_ids, invalid_player_ids), either of them beside an id or instead of
// one.
type Answer struct {
	ID         string          `json:"id"`
	ExternalID *string         `json:"external_id,omitempty"`
	Errors     json.RawMessage `json:"errors,omitempty"`
}

// invalidTargets is the object form of Answer.Errors.
type invalidTargets struct {
	Aliases         map[string][]string `json:"invalid_aliases"`
	ExternalUserIDs []string            `json:"invalid_external_user_ids"`
	PlayerIDs       []string            `json:"invalid_player_ids"`
}

// messages reads Answer.Errors: its messages, and whether it names invalid targets.
func (a Answer) messages() (msgs []string, invalid bool) {
	if len(a.Errors) == 0 || string(a.Errors) == "null" {
		return nil, false
	}
	if err := json.Unmarshal(a.Errors, &msgs); err == nil {
		return msgs, false
	}
	var t invalidTargets
	if err := json.Unmarshal(a.Errors, &t); err == nil {
		for _, ids := range t.Aliases {
			invalid = invalid || len(ids) > 0
		}
		invalid = invalid || len(t.ExternalUserIDs) > 0 || len(t.PlayerIDs) > 0
		if invalid {
			return []string{"invalid targets: " + string(a.Errors)}, true
		}
		return nil, false
	}
	var one string // some endpoints answer a single message
	if err := json.Unmarshal(a.Errors, &one); err == nil && one != "" {
		return []string{one}, false
	}
	return []string{string(a.Errors)}, false
}

// classify reads OneSignal's answer: the notification id, or shipflow's kind of failure.
//
// A 2xx is not always a send: OneSignal answers 200 with an empty id and NoSubscribers when the
// customer has no push subscription, and 200 with invalid_aliases naming the external id when
// no user has it. Both are permanent (CodeNotSubscribed): the same request gets the same answer.
// A 2xx that cannot be read is retried, which the idempotency key makes safe. Any 4xx but 408
// and 429 is permanent (400 a request OneSignal will not take, 401 and 403 a rejected key);
// 408, 429, 5xx and anything else are retryable.
func classify(what string, resp *http.Response) (string, error) {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	return Classify(what, resp.StatusCode, b)
}

// Classify is classify on an answer already read: status and body. It is exported for the
// fuzz target and the stand-in's tests.
func Classify(what string, status int, body []byte) (string, error) {
	var a Answer
	parsed := json.Unmarshal(body, &a) == nil
	msgs, invalid := a.messages()
	if status >= 200 && status < 300 {
		switch {
		case !parsed:
			return "", fmt.Errorf("%s: HTTP %d with an answer that is not OneSignal's: %s", what, status, notify.Excerpt(body))
		case invalid || a.ID == "" || notSubscribed(msgs):
			return "", &notify.PermanentError{Code: CodeNotSubscribed,
				Err: fmt.Errorf("%s: %w: %s", what, ErrNotSubscribed, describe(msgs, body))}
		case len(msgs) > 0:
			// A notification was created and OneSignal still names a problem: it went out,
			// and the message is worth keeping in the error log.
			return a.ID, nil
		}
		return a.ID, nil
	}
	err := fmt.Errorf("%s: HTTP %d: %s", what, status, describe(msgs, body))
	if status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests {
		if notSubscribed(msgs) {
			return "", &notify.PermanentError{Code: CodeNotSubscribed, Err: fmt.Errorf("%w: %w", ErrNotSubscribed, err)}
		}
		return "", &notify.PermanentError{Code: strconv.Itoa(status), Err: err}
	}
	return "", err
}

// notSubscribed reports whether OneSignal's messages say the user has no subscription.
func notSubscribed(msgs []string) bool {
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(m), "not subscribed") {
			return true
		}
	}
	return false
}

// describe gives OneSignal's messages joined, or the start of a body that is not its JSON (a
// proxy's page during an outage).
func describe(msgs []string, body []byte) string {
	if len(msgs) > 0 {
		return notify.Excerpt([]byte(strings.Join(msgs, "; ")))
	}
	return notify.Excerpt(body)
}
