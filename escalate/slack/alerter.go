// Package slack posts shipflow's exception alerts to a Slack channel through an incoming
// webhook, as Block Kit messages, and tells Slack's refusals that retrying cannot fix (a
// deleted webhook, a revoked token, a payload Slack rejects) from the ones it can (429, 5xx,
// network failures).
package slack

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shipflow/shipflow/escalate"
)

// defaultTimeout bounds a post when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// Alerter posts alerts to the one channel its incoming webhook belongs to. It implements
// escalate.Alerter and is safe for concurrent use.
type Alerter struct {
	webhookURL string // a secret: whoever has it can post to the channel, so it is never in an error
	hc         *http.Client
}

var _ escalate.Alerter = (*Alerter)(nil)

// New returns an Alerter that posts to webhookURL (SLACK_WEBHOOK_URL) with hc, or with a client
// with a 30-second timeout when hc is nil.
func New(webhookURL string, hc *http.Client) *Alerter {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	return &Alerter{webhookURL: webhookURL, hc: hc}
}

// Name is the chat's name in configuration and logs.
func (*Alerter) Name() string { return "slack" }

// Alert posts a as one Block Kit message. Slack has no idempotency for webhooks, so a retry
// after a lost answer posts the message twice; that is the price of never missing one. A
// refusal that retrying cannot fix is an *escalate.PermanentError; a 429 with Retry-After is an
// *escalate.RetryAfterError; anything else is a plain error to retry.
func (a *Alerter) Alert(ctx context.Context, al escalate.Alert) error {
	what := fmt.Sprintf("slack: alert for order %s", al.OrderID)
	if a.webhookURL == "" {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: no webhook URL configured", what)}
	}
	return escalate.PostJSON(ctx, a.hc, a.webhookURL, "application/json", what, message(al), describe)
}
