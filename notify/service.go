package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

// Service sends customer notifications: the activities' Notifier. Every message is logged
// before its provider is called and keyed by (order, milestone, shipment, channel), so a retry,
// a replay or a worker that died mid-send never sends it twice.
type Service struct {
	Log       *Log
	Templates *template.Set
	// Senders are the channels with credentials. A channel missing here goes to Fallback (dev
	// mode's log channel) or, without one, is skipped and logged as such.
	Senders  map[order.Channel]Sender
	Fallback Sender
	// WhatsAppTemplates are approved Content SIDs by milestone: a WhatsApp message for a
	// milestone listed here is sent as that template (the rendered text is still logged).
	WhatsAppTemplates map[order.Milestone]string
	// CloudTemplates are the templates approved at Meta by milestone, for WhatsApp through
	// the Cloud API: a WhatsApp message for a milestone listed here carries that template,
	// filled with the same variables as a Twilio content template (see CloudParameters).
	CloudTemplates map[order.Milestone]CloudTemplateRef
	// SendGridTemplates are SendGrid dynamic template ids by milestone: an email for a
	// milestone listed here is sent as that template, filled with SendGridTemplateData (the
	// rendered email is still rendered, checked and logged).
	SendGridTemplates map[order.Milestone]string
	// PublicURL is where providers reach shipflow (status callbacks) and customers open links.
	PublicURL      string
	TrackingSecret string
	// ReviewURL is SHIPFLOW_REVIEW_URL, the pattern of the review request's link (see
	// template.ReviewLink); empty sends review requests without one. It is here, not in the
	// workflow's notification, so changing it changes no workflow history.
	ReviewURL string
	// TrackingPageURL is the base of tracking links when the page has its own address
	// (SHIPFLOW_TRACKING_PAGE_URL); empty means PublicURL.
	TrackingPageURL string
	// Brand is the store's look and contacts, in every email's header and footer.
	Brand brand.Brand
	// Carriers names each shipment's carrier and gives its own tracking link; nil means
	// the built-in table.
	Carriers *carrier.Table
	Logger   *slog.Logger
	Now      func() time.Time
}

// ErrTemplate marks a message its template cannot render: a bug in the template set, which no
// retry fixes. It comes wrapped in a *PermanentError.
var ErrTemplate = errors.New("render message")

// Notify sends n on its channel at most once. An error that retrying cannot fix (the provider
// refused the message, an earlier attempt was refused, the template is broken) is a
// *PermanentError; the caller decides what that means for its retries.
func (s *Service) Notify(ctx context.Context, n Request) error {
	e := Entry{
		Key: Key(n), OrderID: n.OrderID, Milestone: string(n.Milestone), ShipmentID: n.ShipmentID,
		Channel: string(n.Channel), To: n.Customer.Address(n.Channel), Template: string(n.Milestone),
	}
	sender := s.Senders[n.Channel]
	if sender == nil {
		sender = s.Fallback
	}
	switch {
	case n.Superseded != "":
		return s.record(ctx, e, StatusSuperseded, n.Superseded)
	case e.To == "":
		return s.record(ctx, e, StatusSkipped, fmt.Sprintf("the customer has no %s", n.Channel.Contact()))
	case sender == nil:
		return s.record(ctx, e, StatusSkipped, fmt.Sprintf("the %s channel is switched off", n.Channel))
	}
	out, err := s.Log.OptedOut(ctx, optOutChannel(n.Channel), e.To)
	if err != nil {
		return err
	}
	if out {
		return s.record(ctx, e, StatusSuppressed, "the customer opted out")
	}

	d := s.data(n)
	if n.Channel == order.ChannelEmail {
		d.UnsubscribeURL = tracklink.UnsubscribeURL(s.PublicURL, s.TrackingSecret, e.Key)
	}
	r, err := s.Templates.Render(n.Channel, n.Milestone, d)
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("%w: %w", ErrTemplate, err)}
	}
	e.Body, e.Locale, e.Status = r.Text, r.Locale, StatusQueued
	stored, err := s.Log.begin(ctx, e)
	if err != nil {
		return err
	}
	switch {
	case stored.Status == StatusFailed:
		return &PermanentError{Err: fmt.Errorf("an earlier attempt was refused: %s", stored.Error)}
	case stored.Status == StatusSending:
		// An earlier attempt called the provider and died before it could record the answer.
		// Sending again could text the customer twice; the provider's receipt will tell.
		s.Logger.Warn("notification may have been sent by an attempt that died; not sending again",
			"key", stored.Key, "to", Mask(stored.To))
		return s.Log.set(ctx, stored.ID, StatusUnknown, Sent{}, "an attempt died after calling the provider")
	case stored.Status.done():
		return nil
	}
	claimed, err := s.Log.claim(ctx, stored.ID)
	if err != nil || !claimed {
		return err // another attempt holds it
	}
	msg := Message{
		Key: stored.Key, Channel: n.Channel, To: e.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML, Locale: r.Locale,
		StatusCallback: s.statusCallback(n.Channel),
		Args:           map[string]string{"notification_key": stored.Key, "order_id": n.OrderID},
	}
	if d.UnsubscribeURL != "" {
		// RFC 8058 one-click unsubscribe, which large mailbox providers require of senders: the
		// mail client posts List-Unsubscribe=One-Click to the link.
		msg.Headers = map[string]string{"List-Unsubscribe": "<" + d.UnsubscribeURL + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
	}
	if n.Channel == order.ChannelPush {
		msg.URL = pushURL(d)
	}
	if sid := s.WhatsAppTemplates[n.Milestone]; n.Channel == order.ChannelWhatsApp && sid != "" {
		msg.ContentSID, msg.ContentVariables = sid, contentVariables(d)
	}
	if ref, ok := s.CloudTemplates[n.Milestone]; n.Channel == order.ChannelWhatsApp && ok {
		msg.CloudTemplate = &CloudTemplate{Name: ref.Name, Language: ref.Language, Parameters: CloudParameters(d, ref.Parameters)}
	}
	if id := s.SendGridTemplates[n.Milestone]; n.Channel == order.ChannelEmail && id != "" {
		msg.TemplateID, msg.TemplateData = id, SendGridTemplateData(d)
	}
	sent, err := sender.Send(ctx, msg)
	if err != nil {
		if IsPermanent(err) {
			s.Logger.Warn("notification refused by provider", "key", stored.Key, "to", Mask(e.To), "err", err)
			if errors.Is(err, ErrOptedOut) {
				if lerr := s.Log.OptOut(ctx, optOutChannel(n.Channel), e.To, "provider opt-out"); lerr != nil {
					return lerr
				}
			}
			if lerr := s.Log.set(ctx, stored.ID, StatusFailed, Sent{}, err.Error()); lerr != nil {
				return lerr
			}
			return err
		}
		// Not sent: let the next attempt claim it again.
		if lerr := s.Log.set(ctx, stored.ID, StatusQueued, Sent{}, err.Error()); lerr != nil {
			return errors.Join(err, lerr)
		}
		return err
	}
	st := StatusSent
	if sent.Provider == "log" {
		st = StatusLogged
	}
	return s.Log.set(ctx, stored.ID, st, sent, "")
}

// Serves reports whether s sends on channel ch at all: it has a provider for it, or dev mode's
// log channel stands in.
func (s *Service) Serves(ch order.Channel) bool {
	return s.Senders[ch] != nil || s.Fallback != nil
}

// record logs a message that is not sent, and why.
func (s *Service) record(ctx context.Context, e Entry, st Status, why string) error {
	e.Status, e.Error = st, why
	_, err := s.Log.begin(ctx, e)
	return err
}

// statusCallback is where Twilio reports a text's delivery; email and push report elsewhere
// or not at all.
func (s *Service) statusCallback(ch order.Channel) string {
	if (ch != order.ChannelSMS && ch != order.ChannelWhatsApp) || s.PublicURL == "" {
		return ""
	}
	return s.PublicURL + "/webhooks/twilio/status"
}

// pushURL is what a push notification opens: the review link for a review request that has
// one, else the order's tracking page ("" when there is none).
func pushURL(d template.Data) string {
	if d.Milestone == order.MilestoneReviewRequest && d.ReviewURL != "" {
		return d.ReviewURL
	}
	return d.TrackingURL
}

// data is what the templates may say, from the notification.
func (s *Service) data(n Request) template.Data {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	d := template.Data{
		OrderID: n.OrderID, OrderNumber: n.OrderID, FirstName: firstName(n.Customer.Name),
		Locale: n.Customer.Locale, TimeZone: n.Customer.TimeZone, Now: now, Milestone: n.Milestone,
		TrackingURL: tracklink.URL(cmp.Or(s.TrackingPageURL, s.PublicURL), s.TrackingSecret, n.OrderID), Reason: n.Reason,
		ReviewURL: template.ReviewLink(s.ReviewURL, n.OrderID), DelayReason: n.DelayReason, Brand: s.Brand,
	}
	carriers := s.Carriers
	if carriers == nil {
		carriers = carrier.Builtin()
	}
	if d.DelayReason != "" {
		d.Reason = "" // a driver's words are for staff; the customer hears the reason's sentence
	}
	if f := n.Refund; f != nil {
		d.Refund = &template.Money{Amount: f.Amount, Currency: f.Currency}
	}
	for _, sh := range n.Shipments {
		ts := template.Shipment{
			ID: sh.ID, TrackingNumber: sh.TrackingNumber, Items: sh.Items,
			ETA: sh.Status.Expected(sh.ETA), Estimated: sh.ETASource == order.ETAEstimate, Status: sh.Status, City: sh.City,
		}
		if sh.Status == order.ShipmentDelivered {
			ts.Place = sh.Place
		}
		ts.Carrier, ts.CarrierURL = carriers.Shown(sh.Carrier, sh.TrackingNumber)
		d.Shipments = append(d.Shipments, ts)
		if sh.ID == n.ShipmentID {
			d.Shipment = ts
		}
	}
	return d
}

// contentVariables fill a WhatsApp content template. The numbering is the contract with the
// templates an operator has approved: {{1}} first name, {{2}} order number, {{3}} carrier,
// {{4}} tracking link.
func contentVariables(d template.Data) map[string]string {
	return map[string]string{"1": d.FirstName, "2": d.OrderNumber, "3": d.Shipment.Carrier, "4": d.TrackingURL}
}

// CloudTemplateRef names a template approved at Meta (WHATSAPP_CLOUD_TEMPLATES): its name,
// its language, and how many body parameters it takes.
type CloudTemplateRef struct {
	Name, Language string
	// Parameters is how many of the four variables the template's body has ({{1}} to
	// {{Parameters}}): Meta refuses a send whose count differs from the template's.
	Parameters int
}

// MaxCloudParameters is how many variables a Cloud template can be given: the four of
// contentVariables.
const MaxCloudParameters = 4

// CloudParameters are the first n of the variables a Twilio content template gets, in the
// same numbering ({{1}} first name, {{2}} order number, {{3}} carrier, {{4}} tracking link),
// so one approved wording serves both providers.
func CloudParameters(d template.Data, n int) []string {
	v := contentVariables(d)
	n = min(max(n, 0), MaxCloudParameters)
	out := make([]string, n)
	for i := range n {
		out[i] = v[strconv.Itoa(i+1)]
	}
	return out
}

// SendGridTemplateData fills a SendGrid dynamic template with what shipflow's own templates
// say. The field names are the contract with the templates an operator wrote at SendGrid
// (docs/reference/configuration.md lists them): first_name, order_number, milestone, carrier,
// carrier_url, tracking_number, tracking_url, eta (in the customer's language and time zone,
// empty when unknown), items (the parcel's, or the whole order's for an order-level
// milestone) and store_name.
func SendGridTemplateData(d template.Data) map[string]any {
	var eta string
	if t := d.Shipment.ETA; t != nil {
		eta = template.ETA(*t, d.Now, d.TimeZone, d.Locale)
	}
	items := d.Shipment.Items
	if d.Shipment.ID == "" {
		for _, sh := range d.Shipments {
			items = append(items, sh.Items...)
		}
	}
	if items == nil {
		items = []string{} // an empty list, which a template's {{#each}} reads as such
	}
	return map[string]any{
		"first_name": d.FirstName, "order_number": d.OrderNumber, "milestone": string(d.Milestone),
		"carrier": d.Shipment.Carrier, "carrier_url": d.Shipment.CarrierURL,
		"tracking_number": d.Shipment.TrackingNumber, "tracking_url": d.TrackingURL,
		"eta": eta, "items": items, "store_name": d.Brand.Name,
	}
}

func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// optOutChannel is the consent a channel falls under: STOP by SMS ends SMS, STOP on WhatsApp
// ends WhatsApp, an unsubscribe ends email.
func optOutChannel(ch order.Channel) string { return string(ch) }

// LogSender is dev mode's channel of last resort: it writes the message to the application log
// (addresses masked) and reports it sent by provider "log", which the notification log shows.
type LogSender struct{ Logger *slog.Logger }

// Send logs m.
func (l LogSender) Send(_ context.Context, m Message) (Sent, error) {
	l.Logger.Info("customer message (log channel: no provider configured)", "channel", m.Channel,
		"to", Mask(m.To), "subject", m.Subject, "text", m.Text)
	return Sent{Provider: "log", MessageID: "log-" + m.Key, Status: "logged"}, nil
}
