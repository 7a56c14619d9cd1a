package server

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/order"
)

// maxMailgunWebhook bounds a Mailgun webhook body: one event, a few KiB with its headers.
const maxMailgunWebhook = 1 << 20

// maxMailgunMessageID bounds the Message-Id looked up in the log (RFC 5322 allows 998 per line;
// Mailgun's are about 60).
const maxMailgunMessageID = 255

// maxMailgunReason bounds the failure reason stored with a receipt.
const maxMailgunReason = 1000

// mailgunEvents applies one of Mailgun's signed webhook posts (delivered, failed,
// unsubscribed, complained) to the email it reports on and to the address's consent, the way
// sendgridEvents applies SendGrid's.
func (s *server) mailgunEvents(c echo.Context) error {
	keys := config.Secrets(s.Config.MailgunWebhookKey, s.Config.Previous.MailgunWebhookKey)
	if len(keys) == 0 {
		return errorf(http.StatusNotFound, codeNotFound, "mailgun webhooks are switched off: set MAILGUN_WEBHOOK_SIGNING_KEY")
	}
	req := c.Request()
	tooLarge := errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "a Mailgun webhook body is at most %d KiB", maxMailgunWebhook>>10)
	if req.ContentLength > maxMailgunWebhook {
		return tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxMailgunWebhook+1))
	if err != nil {
		return err // the client went away
	}
	if len(body) > maxMailgunWebhook {
		return tooLarge
	}
	// Mailgun signs inside the body, so the body is parsed before it is trusted; nothing of it
	// is used until the signature verifies.
	wh, err := mailgun.ParseWebhook(body)
	if err != nil {
		return errorf(http.StatusBadRequest, codeBadRequest, "%v", err)
	}
	sig := wh.Signature
	// A signed post replayed later still verifies; its timestamp gives it away.
	if sec, err := strconv.ParseInt(sig.Timestamp, 10, 64); err != nil || s.now().Sub(time.Unix(sec, 0)).Abs() > eventWebhookTolerance {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "webhook timestamp rejected: more than %s off", eventWebhookTolerance)
	}
	verified := false
	for _, k := range keys {
		if mailgun.Verify(k, sig) {
			verified = true
			break
		}
	}
	if !verified {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "webhook signature does not verify")
	}
	ev := wh.Event
	if err := order.CheckText("event-data.message.headers.message-id", ev.MessageID, maxMailgunMessageID); err != nil {
		return adapterError(err)
	}
	ctx := req.Context()
	if order.CheckText("event-data.recipient", ev.Recipient, order.MaxEmailLen) == nil && ev.Recipient != "" {
		switch ev.Event {
		case mailgun.EventUnsubscribed, mailgun.EventComplained:
			if err := s.Notifications.OptOut(ctx, string(order.ChannelEmail), ev.Recipient, "mailgun "+ev.Event); err != nil {
				return err
			}
		}
	}
	st, ok := mailgunStatus(ev)
	if !ok || ev.MessageID == "" {
		return c.NoContent(http.StatusOK)
	}
	why := ev.Reason
	if order.CheckText("reason", why, maxMailgunReason) != nil {
		why = "mailgun " + ev.Event + " " + ev.Severity // a reason we cannot store is dropped
	}
	if _, err := s.Notifications.Receipt(ctx, mailgun.Provider, ev.MessageID, st, why); err != nil {
		return err
	}
	// Mailgun counts any 2xx as received; a 406 would stop its retries, which nothing here wants.
	return c.NoContent(http.StatusOK)
}

// mailgunStatus maps Mailgun's delivery events onto the log's: a temporary failure is Mailgun
// still trying (as SendGrid's deferred), a permanent one is a bounce or a suppressed address.
// Engagement and consent events say nothing about delivery.
func mailgunStatus(ev mailgun.Event) (notify.Status, bool) {
	switch ev.Event {
	case mailgun.EventAccepted:
		return notify.StatusSent, true
	case mailgun.EventDelivered:
		return notify.StatusDelivered, true
	case mailgun.EventFailed:
		if ev.Severity == mailgun.SeverityTemporary {
			return notify.StatusSent, true
		}
		return notify.StatusUndelivered, true
	}
	return "", false
}
