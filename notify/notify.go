// Package notify tells customers about their orders: it renders a milestone's message for each
// of the customer's channels, logs it for compliance before it is sent, sends it through the
// channel's provider exactly once, and records what the provider later says about delivery.
// Providers live in subpackages (twilio, sns, sendgrid, mailgun, onesignal); templates in
// notify/template.
package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/shipflow/shipflow/order"
)

// Message is one rendered message to one address on one channel.
type Message struct {
	// Key identifies the message across retries: order, milestone, shipment and channel.
	Key     string
	Channel order.Channel
	To      string // E.164 phone for sms and whatsapp, an email address for email, the app user id for push
	Subject string // the email's subject or the push notification's title
	Text    string
	HTML    string // email only; Text is the plain alternative
	// URL is what a push notification opens when tapped: the tracking page, or the review
	// link of a review request. Empty for other channels, whose text carries their links.
	URL string
	// Locale is the locale the message was written in (template.Rendered.Locale), for a
	// provider that labels content by language (OneSignal's contents and headings).
	Locale string
	// ContentSID and ContentVariables send a pre-approved WhatsApp template, which a
	// business-initiated WhatsApp message outside the 24-hour window must be.
	ContentSID       string
	ContentVariables map[string]string
	// CloudTemplate sends the WhatsApp message through Meta's Cloud API as an approved
	// template instead of Text; nil sends Text, which Meta delivers only inside the customer's
	// 24-hour service window. Twilio ignores it (it has ContentSID).
	CloudTemplate *CloudTemplate
	// TemplateID and TemplateData send email as a SendGrid dynamic template (template_id,
	// dynamic_template_data) instead of Subject, Text and HTML; see SendGridTemplateData.
	TemplateID   string
	TemplateData map[string]any
	// StatusCallback is where the provider reports delivery (Twilio); empty for none.
	StatusCallback string
	// Args travel with the message and come back with delivery events (SendGrid custom_args).
	Args map[string]string
	// Headers are extra email headers (List-Unsubscribe); empty for texts.
	Headers map[string]string
}

// CloudTemplate is a WhatsApp message template approved at Meta, with the body parameters
// that fill its {{1}}, {{2}}, ... in order.
type CloudTemplate struct {
	Name     string // the template's name, e.g. order_shipped
	Language string // the approved translation's code, e.g. en_US
	// Parameters fill the body's placeholders, {{1}} first: exactly as many as it has.
	Parameters []string
}

// Sent is what a provider answered when it accepted a message.
type Sent struct {
	Provider  string // "twilio", "sendgrid", "log"
	MessageID string // Twilio's MessageSid, SendGrid's X-Message-Id
	Status    string // the provider's own status, e.g. "queued", "accepted"
	// Failover names the providers of the channel that failed before this one took the
	// message, and why (Failover.Send); empty when the first took it.
	Failover string
}

// Sender sends messages on one channel. Send must classify its errors: a *PermanentError
// (invalid number, unsubscribed recipient, rejected credentials, any other 4xx but 429) is
// never retried; anything else is, with backoff.
type Sender interface {
	Send(ctx context.Context, m Message) (Sent, error)
}

// PermanentError is a provider refusal that retrying cannot fix.
type PermanentError struct {
	Code string // the provider's error code, e.g. Twilio "21211"
	Err  error
}

func (e *PermanentError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("permanent failure (code %s): %v", e.Code, e.Err)
	}
	return "permanent failure: " + e.Err.Error()
}

func (e *PermanentError) Unwrap() error { return e.Err }

// ErrOptedOut is wrapped by a provider's refusal of a recipient who told the provider itself
// to stop (an SNS OptedOut): the notify service records the opt-out so that nothing more is
// sent on that channel.
var ErrOptedOut = errors.New("the recipient opted out at the provider")

// IsPermanent reports whether err must not be retried.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
