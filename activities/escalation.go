package activities

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/tracklink"
)

// AlertStaff posts an alert to one staff chat. A chat that is not configured (any more) is
// skipped rather than failed: the alert went to every chat there is.
func (a *Activities) AlertStaff(ctx context.Context, channel string, al escalate.Alert) error {
	ch, ok := a.Alerters[channel]
	if !ok {
		return nil
	}
	if al.TrackingURL == "" {
		al.TrackingURL = tracklink.URL(a.PublicURL, a.TrackingSecret, al.OrderID)
	}
	if al.OrderURL == "" && a.PublicURL != "" {
		al.OrderURL = a.PublicURL + "/v1/orders/" + url.PathEscape(al.OrderID)
	}
	if err := ch.Alert(ctx, al); err != nil {
		if escalate.IsPermanent(err) {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s alert refused: %v", channel, err), "AlertRefused", err)
		}
		return fmt.Errorf("%s alert: %w", channel, err)
	}
	return nil
}

// OpenTicket opens the order's support ticket, or finds the one a retry already opened.
func (a *Activities) OpenTicket(ctx context.Context, t escalate.Ticket) (string, error) {
	if a.Tickets == nil {
		return "", nil
	}
	id, err := a.Tickets.Open(ctx, t)
	return id, ticketError("ticket", err)
}

// UpdateTicket comments on the ticket and changes its priority or status.
func (a *Activities) UpdateTicket(ctx context.Context, id string, u escalate.Update) error {
	if a.Tickets == nil || id == "" {
		return nil
	}
	return ticketError("ticket update", a.Tickets.Update(ctx, id, u))
}

// maxTicketWait bounds the Retry-After a ticketing service may ask for: a longer one is
// waited only that long, so a misreading cannot park an escalation past its SLA.
const maxTicketWait = 10 * time.Minute

// ticketError classifies a ticketing failure for Temporal: a permanent refusal is not retried,
// and a rate limit is retried after the wait the service asked for (at most maxTicketWait).
func ticketError(what string, err error) error {
	if err == nil {
		return nil
	}
	if escalate.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError(what+" refused: "+err.Error(), "TicketRefused", err)
	}
	if d, ok := escalate.RetryAfter(err); ok {
		return temporal.NewApplicationErrorWithOptions(what+": "+err.Error(), "TicketRateLimited",
			temporal.ApplicationErrorOptions{NextRetryDelay: min(d, maxTicketWait), Cause: err})
	}
	return err
}
