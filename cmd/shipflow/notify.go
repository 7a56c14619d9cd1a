package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/notify/sns"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/notify/twilio"
	"github.com/shipflow/shipflow/order"
)

// Provider URLs as shipped: a *_API_URL set to anything else is a stand-in that dev mode uses
// for real even without credentials.
const (
	twilioDefaultURL   = "https://api.twilio.com"
	sendgridDefaultURL = "https://api.sendgrid.com"
)

// notifier builds the customer channels from configuration, and the check that resolves
// messages a dying attempt left unknown, asking the providers that can say. A channel without
// credentials is off (start-up already said so); in dev mode it goes to the log channel
// instead, and a stand-in URL switches it on without credentials.
func (a *app) notifier(dev bool) (activities.Notifier, *notify.Unresolved, error) {
	set, err := template.Load(a.cfg.TemplatesDir)
	if err != nil {
		return nil, nil, fmt.Errorf("message templates: %w", err)
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	senders := map[order.Channel]notify.Sender{}
	lookers := map[string]notify.Looker{}
	tw := a.cfg.Twilio
	twilioStandIn := dev && tw.APIURL != twilioDefaultURL
	if (tw.AccountSID != "" && tw.AuthToken != "") || twilioStandIn {
		cfg := twilio.Config{AccountSID: tw.AccountSID, AuthToken: tw.AuthToken, From: tw.From,
			MessagingServiceSID: tw.MessagingServiceSID, WhatsAppFrom: tw.WhatsAppFrom, APIURL: tw.APIURL}
		if cfg.AccountSID == "" {
			cfg.AccountSID, cfg.AuthToken = "ACdev", "dev"
		}
		s, err := twilio.New(cfg, hc)
		if err != nil {
			return nil, nil, fmt.Errorf("twilio: %w", err)
		}
		if tw.From != "" || tw.MessagingServiceSID != "" {
			senders[order.ChannelSMS] = s
		}
		if tw.WhatsAppFrom != "" {
			senders[order.ChannelWhatsApp] = s
		}
		lookers["twilio"] = s
	}
	// SNS texts when Twilio has no SMS sender: one provider per channel until failover
	// (issue 20) orders several. Its credentials come from the AWS SDK's chain, which cannot be
	// seen from here, so SNS_REGION alone switches it on.
	if _, twilioSMS := senders[order.ChannelSMS]; !twilioSMS && a.cfg.SNS.Region != "" {
		s, err := sns.New(context.Background(), sns.Config(a.cfg.SNS), hc, nil)
		if err != nil {
			return nil, nil, err
		}
		senders[order.ChannelSMS] = s
		a.log.Info("SMS goes through Amazon SNS", "region", a.cfg.SNS.Region)
	}
	// WhatsApp through Meta's Cloud API wins over Twilio's WhatsApp when configured.
	if s := a.whatsappCloud(dev, hc); s != nil {
		senders[order.ChannelWhatsApp] = s
	}
	sg := a.cfg.SendGrid
	mg := a.cfg.Mailgun
	// SendGrid's dynamic templates are SendGrid's alone: with email through another provider
	// (or the log channel) the milestone is sent as shipflow renders it.
	var sgTemplates map[order.Milestone]string
	switch {
	case sg.From != "" && (sg.APIKey != "" || (dev && sg.APIURL != sendgridDefaultURL)):
		senders[order.ChannelEmail] = sendgrid.New(sendgrid.Config{APIKey: sg.APIKey, From: sg.From, APIURL: sg.APIURL}, hc)
		for m, id := range a.cfg.SendGridTemplates {
			if sgTemplates == nil {
				sgTemplates = map[order.Milestone]string{}
			}
			sgTemplates[order.Milestone(m)] = id
		}
		if mg.APIKey != "" {
			a.log.Warn("email goes through SendGrid: MAILGUN_* is set too and is not used (no failover yet)")
		}
	// Mailgun is the email provider only where SendGrid's settings are absent: one provider
	// per channel until failover exists.
	case mg.From != "" && mg.Domain != "" && (mg.APIKey != "" || (dev && mg.APIURL != "")):
		senders[order.ChannelEmail] = mailgun.New(mailgun.Config{APIKey: mg.APIKey, Domain: mg.Domain, From: mg.From,
			Region: mg.Region, APIURL: mg.APIURL}, hc)
		a.log.Info("email goes through Mailgun", "region", mg.Region, "domain", mg.Domain)
	}
	if len(a.cfg.SendGridTemplates) > 0 && sgTemplates == nil {
		a.log.Warn("SENDGRID_TEMPLATES is set but email does not go through SendGrid; shipflow's own templates are used")
	}
	wa := map[order.Milestone]string{}
	for m, sid := range a.cfg.WhatsAppTemplates {
		wa[order.Milestone(m)] = sid
	}
	svc := &notify.Service{
		Log: notify.NewLog(a.db), Templates: set, Senders: senders, WhatsAppTemplates: wa, SendGridTemplates: sgTemplates,
		CloudTemplates: a.cfg.WhatsAppCloudTemplates, PublicURL: a.cfg.PublicURL, TrackingSecret: a.cfg.TrackingSecret, ReviewURL: a.cfg.ReviewURL,
		TrackingPageURL: a.cfg.Brand.PageURL, Brand: a.cfg.Brand, Carriers: a.cfg.Carriers,
		Logger: a.log.With("component", "notify"),
	}
	for _, ch := range []order.Channel{order.ChannelSMS, order.ChannelWhatsApp, order.ChannelEmail} {
		switch _, on := senders[ch]; {
		case on:
			a.log.Info("customer channel on", "channel", ch)
		case dev:
			a.log.Info("customer channel goes to the log channel (dev mode, no credentials)", "channel", ch)
		default:
			a.log.Info("customer channel off: messages are logged as skipped", "channel", ch)
		}
	}
	if dev {
		svc.Fallback = notify.LogSender{Logger: a.log.With("channel", "log")}
	}
	return svc, notify.NewUnresolved(svc.Log, lookers, svc.Logger), nil
}
