package server

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/notify/twilio"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/twoway"
)

// orderNotifications is the compliance log of one order: GET /v1/orders/{order_id}/notifications.
func (s *server) orderNotifications(c echo.Context) error {
	id, err := orderParam(c)
	if err != nil {
		return err
	}
	entries, err := s.Notifications.ForOrder(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		if _, _, err := db.GetOrder(c.Request().Context(), s.DB, id); errors.Is(err, db.ErrNotFound) {
			return errorf(http.StatusNotFound, codeNotFound, "no order %q", id)
		}
	}
	if err := readOrder(c, s.DB, id, readNotifications); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"order_id": id, "notifications": entries})
}

// twilioForm reads a Twilio webhook and checks X-Twilio-Signature against the public URL
// Twilio posted to: SHIPFLOW_PUBLIC_URL, the path and the query string. It accepts the
// current auth token and, during a rotation, TWILIO_AUTH_TOKEN_PREVIOUS.
//
// Refusals come cheapest first: no signature header is 401 before the body is read; a body
// over signature.TwilioMaxBody (64 KiB; Twilio's own are a few KB) is 413, from its
// Content-Length or as soon as reading passes the cap; a form of more than
// signature.TwilioMaxParams (100) parameters is 400 before it is parsed. Only then is the
// signature computed, in one pass over the form.
func (s *server) twilioForm(c echo.Context) (url.Values, error) {
	tokens := config.Secrets(s.Config.Twilio.AuthToken, s.Config.Previous.TwilioAuthToken)
	if len(tokens) == 0 {
		return nil, errorf(http.StatusNotFound, codeNotFound, "twilio webhooks are switched off: set TWILIO_AUTH_TOKEN")
	}
	req := c.Request()
	sig := req.Header.Get("X-Twilio-Signature")
	if strings.TrimSpace(sig) == "" {
		return nil, errorf(http.StatusUnauthorized, codeUnauthorized, "missing X-Twilio-Signature")
	}
	tooLarge := errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "a Twilio webhook body is at most %d KiB", signature.TwilioMaxBody>>10)
	if req.ContentLength > signature.TwilioMaxBody {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, signature.TwilioMaxBody+1))
	if err != nil {
		return nil, err // the client went away
	}
	if len(body) > signature.TwilioMaxBody {
		return nil, tooLarge
	}
	form, err := signature.VerifyTwilio(tokens, s.Config.PublicURL+req.URL.RequestURI(), sig, body)
	switch {
	case err == nil:
		return form, nil
	case errors.Is(err, signature.ErrMalformed):
		return nil, errorf(http.StatusBadRequest, codeBadRequest, "%v", err)
	case errors.Is(err, signature.ErrBadSecret):
		return nil, fmt.Errorf("twilio webhook: %w", err) // ours: a 500, logged
	default:
		// The path is the route's own; the query, which the caller chose, is not echoed.
		return nil, errorf(http.StatusUnauthorized, codeUnauthorized, "X-Twilio-Signature does not verify for %s%s and the query string received", s.Config.PublicURL, req.URL.Path)
	}
}

// Caps on the Twilio form fields shipflow reads, checked once the signature verified: they
// are Twilio's, but still go into the database and the logs.
const (
	maxTwilioSID     = 64 // MessageSid: two letters and 32 hex digits
	maxTwilioAddress = 40 // From: "whatsapp:" and an E.164 number, or a short code
	maxTwilioCode    = 10 // ErrorCode: five digits
)

// twilioField returns form's value of name, refusing with 400 one longer than limit or
// holding a character outside allowed.
func twilioField(form url.Values, name string, limit int, allowed func(rune) bool) (string, error) {
	v := form.Get(name)
	if len(v) > limit {
		return "", errorf(http.StatusBadRequest, codeInvalidField, "%s is longer than %d characters", name, limit)
	}
	if i := strings.IndexFunc(v, func(r rune) bool { return !allowed(r) }); i >= 0 {
		return "", errorf(http.StatusBadRequest, codeInvalidField, "%s holds a character it cannot hold", name)
	}
	return v, nil
}

func isAlnum(r rune) bool { return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// isAddress allows what a Twilio From holds: an E.164 number or short code, an
// alphanumeric sender id, and the "whatsapp:" prefix.
func isAddress(r rune) bool { return isAlnum(r) || r == '+' || r == ':' }

// twilioStatus applies a Twilio status callback to the message it reports on.
func (s *server) twilioStatus(c echo.Context) error {
	form, err := s.twilioForm(c)
	if err != nil {
		return err
	}
	sid, err := twilioField(form, "MessageSid", maxTwilioSID, isAlnum)
	if err != nil {
		return err
	}
	code, err := twilioField(form, "ErrorCode", maxTwilioCode, isDigit)
	if err != nil {
		return err
	}
	status := form.Get("MessageStatus")
	if sid == "" || status == "" {
		return errorf(http.StatusBadRequest, codeMissingField, "MessageSid and MessageStatus are required")
	}
	st, ok := twilio.LogStatus(status)
	if !ok {
		return c.NoContent(http.StatusNoContent) // an intermediate status we do not track
	}
	why := ""
	if code != "" {
		why = "twilio error " + code
	}
	if _, err := s.Notifications.Receipt(c.Request().Context(), "twilio", sid, st, why); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// twilioInbound handles a message a customer sent us through Twilio, SMS or WhatsApp
// (docs/reference/inbound.md, "Twilio inbound messages"): it goes through customerText, where
// STOP opts the number out of that channel and START opts it back in, and anything else is
// answered with the status of the sender's orders (package twoway) in the TwiML response,
// unless SHIPFLOW_TWO_WAY is off. The signature is checked before anything is read; the
// customer's text is checked, classified and dropped.
func (s *server) twilioInbound(c echo.Context) error {
	form, err := s.twilioForm(c)
	if err != nil {
		return err
	}
	from, err := twilioField(form, "From", maxTwilioAddress, isAddress)
	if err != nil {
		return err
	}
	channel := order.ChannelSMS
	if rest, ok := strings.CutPrefix(from, "whatsapp:"); ok {
		channel, from = order.ChannelWhatsApp, rest
	}
	if from == "" {
		return errorf(http.StatusBadRequest, codeMissingField, "From is required")
	}
	body := form.Get("Body")
	if err := twoway.CheckText(body); err != nil {
		return errorf(http.StatusBadRequest, codeInvalidField, "Body: %s", strings.TrimPrefix(err.Error(), twoway.ErrInvalid.Error()+": "))
	}
	ctx := c.Request().Context()
	kw, err := s.customerText(ctx, string(channel), from, body)
	reply := ""
	if err == nil && kw == notify.KeywordNone && s.twoWay != nil {
		var sid string
		if sid, err = twilioField(form, "MessageSid", maxTwilioSID, isAlnum); err != nil {
			return err
		}
		if sid == "" {
			return errorf(http.StatusBadRequest, codeMissingField, "MessageSid is required")
		}
		reply, err = s.twoWay.Answer(ctx, twoway.Inbound{
			Provider: twilioProvider, MessageID: sid, Channel: channel, From: from, Text: body,
			Locale: countryLocale[form.Get("FromCountry")],
		})
		if errors.Is(err, twoway.ErrInvalid) {
			return errorf(http.StatusBadRequest, codeInvalidField, "%v", err)
		}
	}
	if err != nil {
		return err
	}
	// An empty TwiML response sends nothing: Twilio's own opt-out handling confirms STOP
	// and START itself.
	twiml, err := twilio.Reply(reply)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, twilio.TwiMLContentType, twiml)
}

// twilioProvider is Twilio's name in the notification log.
const twilioProvider = "twilio"

// countryLocale is the language of the fixed line a number on no order gets, by the
// country Twilio says the number is from (FromCountry): the languages shipflow's messages are
// written in. Anyone else reads English.
var countryLocale = map[string]string{"LT": "lt-LT"}

// sendgridEvents applies SendGrid's event webhook to the emails it reports on.
func (s *server) sendgridEvents(c echo.Context) error {
	if s.SendGridKey == nil {
		return errorf(http.StatusNotFound, codeNotFound, "sendgrid event webhooks are switched off: set SENDGRID_WEBHOOK_PUBLIC_KEY")
	}
	h := c.Request().Header
	sig, ts := h.Get("X-Twilio-Email-Event-Webhook-Signature"), h.Get("X-Twilio-Email-Event-Webhook-Timestamp")
	if sig == "" || ts == "" {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "missing webhook signature: X-Twilio-Email-Event-Webhook-Signature and -Timestamp are required")
	}
	// Cheap checks first. A signed body replayed later still verifies; its timestamp gives
	// it away. A signature is base64 of an ASN.1 P-256 signature, at most 72 bytes.
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || s.now().Sub(time.Unix(sec, 0)).Abs() > eventWebhookTolerance {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "webhook timestamp rejected: more than %s off", eventWebhookTolerance)
	}
	if len(sig) > maxEventWebhookSignature {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "webhook signature does not verify")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	verified := false
	for _, key := range []*ecdsa.PublicKey{s.SendGridKey, s.SendGridPreviousKey} {
		if key != nil && sendgrid.VerifyEventWebhook(key, sig, ts, body) {
			verified = true
			break
		}
	}
	if !verified {
		return errorf(http.StatusUnauthorized, codeUnauthorized, "webhook signature does not verify")
	}
	events, err := sendgrid.ParseEvents(body)
	if err != nil {
		return adapterError(err)
	}
	for _, ev := range events {
		if err := s.emailConsent(c.Request().Context(), ev); err != nil {
			return err
		}
		st, ok := sendgridStatuses[ev.Event]
		if !ok || ev.MessageID == "" {
			continue
		}
		msgID, _, _ := strings.Cut(ev.MessageID, ".") // sg_message_id extends X-Message-Id
		if _, err := s.Notifications.Receipt(c.Request().Context(), "sendgrid", msgID, st, ev.Reason); err != nil {
			return err
		}
	}
	return c.NoContent(http.StatusNoContent)
}

// eventWebhookTolerance is how far a SendGrid event webhook's timestamp may be from our clock.
// SendGrid retries failed posts for up to 72 hours, but each retry is signed anew.
const eventWebhookTolerance = 10 * time.Minute

// maxEventWebhookSignature bounds the SendGrid signature header: base64 of a 72-byte ASN.1
// ECDSA P-256 signature is 96 characters.
const maxEventWebhookSignature = 128

// emailConsent applies SendGrid's consent events: an unsubscribe (from its own link or a
// suppression group) or a spam report ends email to that address, as STOP ends texts; a
// group resubscribe undoes it.
func (s *server) emailConsent(ctx context.Context, ev sendgrid.Event) error {
	if order.CheckText("email", ev.Email, order.MaxEmailLen) != nil || ev.Email == "" {
		return nil
	}
	switch ev.Event {
	case "unsubscribe", "group_unsubscribe", "spamreport":
		return s.Notifications.OptOut(ctx, string(order.ChannelEmail), ev.Email, "sendgrid "+ev.Event)
	case "group_resubscribe":
		return s.Notifications.OptIn(ctx, string(order.ChannelEmail), ev.Email)
	}
	return nil
}

// sendgridStatuses maps SendGrid's delivery events onto the log's; engagement events (open,
// click) say nothing about delivery and are skipped.
var sendgridStatuses = map[string]notify.Status{
	"processed": notify.StatusSent, "deferred": notify.StatusSent,
	"delivered": notify.StatusDelivered,
	"bounce":    notify.StatusUndelivered, "dropped": notify.StatusUndelivered,
}
