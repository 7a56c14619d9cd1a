package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/twoway"
)

// maxWhatsAppWebhook bounds a Cloud API webhook body: Meta batches a few updates per post,
// each well under a KiB.
const maxWhatsAppWebhook = 1 << 20

// whatsappSubscribe answers Meta's subscription handshake, GET /webhooks/whatsapp: the
// hub.challenge echoed when hub.verify_token is WHATSAPP_CLOUD_VERIFY_TOKEN.
func (s *server) whatsappSubscribe(c echo.Context) error {
	ours := s.Config.WhatsAppCloud.VerifyToken
	if ours == "" {
		return errorf(http.StatusNotFound, codeNotFound, "the whatsapp webhook subscription is switched off: set WHATSAPP_CLOUD_VERIFY_TOKEN")
	}
	q := c.QueryParams()
	challenge, err := whatsapp.Challenge(q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge"), ours)
	switch {
	case errors.Is(err, whatsapp.ErrVerifyToken):
		return errorf(http.StatusForbidden, codeUnauthorized, "%v", err)
	case err != nil:
		return errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
	}
	return c.String(http.StatusOK, challenge)
}

// whatsappEvents applies one of Meta's signed webhook posts, POST /webhooks/whatsapp: message
// statuses go onto the notification log by wamid, as Twilio's status callbacks do, and
// customers' texts go through customerText (STOP and START), as Twilio's inbound ones do.
//
// Refusals come cheapest first: no X-Hub-Signature-256 is 401 before the body is read, a body
// over 1 MiB is 413, a signature that does not verify over the raw body is 401, and only
// then is the body parsed (400 for another shape or a field past its limits).
func (s *server) whatsappEvents(c echo.Context) error {
	secrets := config.Secrets(s.Config.WhatsAppCloud.AppSecret, s.Config.Previous.WhatsAppCloudAppSecret)
	if len(secrets) == 0 {
		return errorf(http.StatusNotFound, codeNotFound, "whatsapp webhooks are switched off: set WHATSAPP_CLOUD_APP_SECRET")
	}
	req := c.Request()
	sig := req.Header.Get(whatsapp.SignatureHeader)
	if sig == "" {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "missing %s", whatsapp.SignatureHeader)
	}
	tooLarge := errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "a WhatsApp webhook body is at most %d KiB", maxWhatsAppWebhook>>10)
	if req.ContentLength > maxWhatsAppWebhook {
		return tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxWhatsAppWebhook+1))
	if err != nil {
		return err // the client went away
	}
	if len(body) > maxWhatsAppWebhook {
		return tooLarge
	}
	verified := false
	for _, secret := range secrets {
		if whatsapp.Verify(secret, sig, body) {
			verified = true
			break
		}
	}
	if !verified {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "%s does not verify", whatsapp.SignatureHeader)
	}
	wh, err := whatsapp.ParseWebhook(body)
	switch {
	case errors.Is(err, whatsapp.ErrNotJSON):
		return errorf(http.StatusBadRequest, codeInvalidJSON, "%v", err)
	case err != nil:
		return errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
	}
	ctx := req.Context()
	for _, st := range wh.Statuses {
		ls, ok := whatsapp.LogStatus(st.Status)
		if !ok {
			continue // deleted, warning: nothing about delivery
		}
		if _, err := s.Notifications.Receipt(ctx, whatsapp.Provider, st.MessageID, ls, st.Reason()); err != nil {
			return err
		}
	}
	for _, t := range wh.Texts {
		from := whatsapp.Address(t.From)
		k, err := s.customerText(ctx, string(order.ChannelWhatsApp), from, t.Body)
		if err != nil {
			return err
		}
		if k != notify.KeywordNone || s.twoWay == nil || s.whatsappReplies == nil || twoway.CheckText(t.Body) != nil {
			continue
		}
		in := twoway.Inbound{Provider: whatsapp.Provider, MessageID: t.MessageID, Channel: order.ChannelWhatsApp, From: from, Text: t.Body}
		err = s.twoWay.Reply(ctx, in, func(ctx context.Context, reply string) error {
			_, err := s.whatsappReplies.Send(ctx, notify.Message{
				Key: strings.Join([]string{notify.MilestoneReply, t.MessageID}, "/"), Channel: order.ChannelWhatsApp, To: from, Text: reply,
			})
			return err
		})
		switch {
		case errors.Is(err, twoway.ErrInvalid):
			s.Logger.Warn("whatsapp text not answered", "message_id", t.MessageID, "err", err)
		case err != nil:
			// Meta posts the webhook again, and the reply is sent then.
			return errorf(http.StatusServiceUnavailable, codeUnavailable, "reply to a whatsapp text: %v", err)
		}
	}
	// Meta retries anything but a 200 for days.
	return c.NoContent(http.StatusOK)
}

// whatsappReplyTimeout bounds a two-way reply's send, made inside Meta's webhook request: Meta
// gives up on a webhook that takes longer than about 20 seconds and posts it again.
const whatsappReplyTimeout = 10 * time.Second
