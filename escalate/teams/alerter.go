// Package teams posts shipflow's exception alerts to a Microsoft Teams channel or chat through
// a Workflows (Power Automate) webhook, as Adaptive Cards, and tells refusals that retrying
// cannot fix (a deleted flow, a wrong signature, a payload the trigger rejects) from the ones
// it can (429, 5xx, network failures).
package teams

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shipflow/shipflow/escalate"
)

// defaultTimeout bounds a post when the caller gives no *http.Client.
const defaultTimeout = 30 * time.Second

// Alerter posts alerts to the channel or chat its Workflows webhook posts to. It implements
// escalate.Alerter and is safe for concurrent use.
type Alerter struct {
	webhookURL string // a secret (its sig parameter signs it), so it is never in an error
	hc         *http.Client
}

var _ escalate.Alerter = (*Alerter)(nil)

// New returns an Alerter that posts to webhookURL (TEAMS_WEBHOOK_URL) with hc, or with a
// client with a 30-second timeout when hc is nil.
func New(webhookURL string, hc *http.Client) *Alerter {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	return &Alerter{webhookURL: webhookURL, hc: hc}
}

// Name is the chat's name in configuration and logs.
func (*Alerter) Name() string { return "teams" }

// Alert posts a as one Adaptive Card. A Workflows webhook answers 202 once the flow is
// started, before the card is posted, so a card the flow's "post card" step cannot render
// fails in the flow's run history, not here. A retry after a lost answer posts the card
// twice. A refusal that retrying cannot fix is an *escalate.PermanentError; a 429 with
// Retry-After is an *escalate.RetryAfterError; anything else is a plain error to retry.
func (a *Alerter) Alert(ctx context.Context, al escalate.Alert) error {
	what := fmt.Sprintf("teams: alert for order %s", al.OrderID)
	if a.webhookURL == "" {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: no webhook URL configured", what)}
	}
	return escalate.PostJSON(ctx, a.hc, a.webhookURL, "application/json", what, message(al), describe)
}
