// Package googlechat posts shipflow's exception alerts to a Google Chat space through an
// incoming webhook, as cardsV2 messages threaded by order, and tells refusals that retrying
// cannot fix (a deleted webhook, a revoked token, a message Chat rejects) from the ones it can
// (429, 5xx, network failures).
package googlechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/shipflow/shipflow/escalate"
)

// defaultTimeout bounds a post when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// replyOption makes a message with a thread key a reply in that key's thread, starting the
// thread when the key is new. Without it Chat ignores the key and starts a thread per message.
const replyOption = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"

// Alerter posts alerts to the space its incoming webhook belongs to, every alert of one order
// in one thread. It implements escalate.Alerter and is safe for concurrent use.
type Alerter struct {
	postURL string // the webhook URL with messageReplyOption; a secret (key and token), never in an error
	urlErr  error  // why the webhook URL is unusable; every Alert fails permanently with it
	hc      *http.Client
}

var _ escalate.Alerter = (*Alerter)(nil)

// New returns an Alerter that posts to webhookURL (GOOGLE_CHAT_WEBHOOK_URL, as Chat shows it:
// https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…) with hc, or with a client with
// a 30-second timeout when hc is nil. It adds messageReplyOption to the URL unless the URL
// already chooses one.
func New(webhookURL string, hc *http.Client) *Alerter {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	u, err := threaded(webhookURL)
	return &Alerter{postURL: u, urlErr: err, hc: hc}
}

// threaded adds messageReplyOption to the webhook URL, keeping its key and token as they are.
func threaded(webhookURL string) (string, error) {
	if webhookURL == "" {
		return "", errors.New("no webhook URL configured")
	}
	u, err := url.Parse(webhookURL)
	if err != nil {
		return "", fmt.Errorf("invalid webhook URL: %w", escalate.Redact(err))
	}
	if u.Query().Has("messageReplyOption") {
		return webhookURL, nil
	}
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += "messageReplyOption=" + replyOption
	return u.String(), nil
}

// Name is the chat's name in configuration and logs.
func (*Alerter) Name() string { return "google_chat" }

// Alert posts a as one card message in the order's thread. Chat has a request id for
// idempotency only in its authenticated API, not for webhooks, so a retry after a lost answer
// posts the message twice. A refusal that retrying cannot fix is an *escalate.PermanentError;
// a 429 with Retry-After is an *escalate.RetryAfterError; anything else is a plain error to
// retry.
func (a *Alerter) Alert(ctx context.Context, al escalate.Alert) error {
	what := fmt.Sprintf("google chat: alert for order %s", al.OrderID)
	if a.urlErr != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, a.urlErr)}
	}
	return escalate.PostJSON(ctx, a.hc, a.postURL, "application/json; charset=UTF-8", what, message(al), describe)
}
