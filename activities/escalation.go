package activities

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/escalate"
	notifytmpl "github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
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
		al.TrackingURL = a.trackingURL(al.OrderID)
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

// OpenTicket opens the order's support ticket, or finds the one a retry already opened. With
// TicketPublicComments on, a ticket about an exception (one with a Reason) is for the order's
// customer and tells them what is going on (see forCustomer); any other ticket, such as a
// call-back request's, stays staff's alone. A public comment the ticketing system refused for good leaves staff
// their ticket: it is logged, and the ticket's id returned.
func (a *Activities) OpenTicket(ctx context.Context, t escalate.Ticket) (string, error) {
	if a.Tickets == nil {
		return "", nil
	}
	if a.TicketPublicComments && t.Reason != "" {
		var err error
		if t, err = a.forCustomer(ctx, t); err != nil {
			return "", err
		}
	}
	id, err := a.Tickets.Open(ctx, t)
	if id != "" && errors.Is(err, escalate.ErrPublicRefused) {
		slog.Default().Warn("ticket opened, customer not told", "order_id", t.OrderID, "ticket", id, "error", err)
		return id, nil
	}
	return id, ticketError("ticket", err)
}

// forCustomer names the order's customer as t's requester and sets what they are told: the
// fixed notice for the exception's reason in their language (the tracking page's words,
// never staff's or the carrier's) and their tracking link. The customer comes from the read
// model; an order it does not hold yet, or a customer without an email, leaves t for staff
// alone.
func (a *Activities) forCustomer(ctx context.Context, t escalate.Ticket) (escalate.Ticket, error) {
	c, err := db.OrderCustomer(ctx, a.DB, t.OrderID)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return t, nil
	case err != nil:
		return t, fmt.Errorf("ticket for order %s: %w", t.OrderID, err)
	case c.Email == "":
		return t, nil
	}
	t.Requester = escalate.Requester{Name: c.Name, Email: c.Email}
	t.Public = customerNotice(c.Locale, order.ExceptionReason(t.Reason), a.trackingURL(t.OrderID))
	return t, nil
}

// customerNotice is what a ticket's customer is told about an exception of reason r: the
// notice's heading, a blank line, its text and, when there is one, the tracking link on a line
// of its own.
func customerNotice(locale string, r order.ExceptionReason, trackingURL string) string {
	heading, text := notifytmpl.ExceptionNotice(locale, r)
	s := heading + "\n\n" + text
	if trackingURL != "" {
		s += "\n\n" + trackingURL
	}
	return s
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

// trackingURL is the order's tracking page link, where the customer's messages send them.
func (a *Activities) trackingURL(orderID string) string {
	return tracklink.URL(cmp.Or(a.TrackingPageURL, a.PublicURL), a.TrackingSecret, orderID)
}
