package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/escalate"
)

// AlertStaff posts an alert to one staff chat. A chat that is not configured (any more) is
// skipped rather than failed: the alert went to every chat there is.
func (a *Activities) AlertStaff(ctx context.Context, channel string, al escalate.Alert) error {
	ch, ok := a.Alerters[channel]
	if !ok {
		return nil
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
	if err != nil && escalate.IsPermanent(err) {
		return "", temporal.NewNonRetryableApplicationError("ticket refused: "+err.Error(), "TicketRefused", err)
	}
	return id, err
}

// UpdateTicket comments on the ticket and changes its priority or status.
func (a *Activities) UpdateTicket(ctx context.Context, id string, u escalate.Update) error {
	if a.Tickets == nil || id == "" {
		return nil
	}
	err := a.Tickets.Update(ctx, id, u)
	if err != nil && escalate.IsPermanent(err) {
		return temporal.NewNonRetryableApplicationError("ticket update refused: "+err.Error(), "TicketRefused", err)
	}
	return err
}
