package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/mailgun"
	"github.com/shipflow/shipflow/notify/onesignal"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/notify/sns"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/notify/twilio"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/order"
)

// Provider names, as the notification log records them.
const (
	providerTwilio    = "twilio"
	providerSendGrid  = "sendgrid"
	providerOneSignal = "onesignal"
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
	// Each channel's providers, by name, with credentials; the order they are tried in is the
	// merchant's (SHIPFLOW_SMS_PROVIDERS, SHIPFLOW_EMAIL_PROVIDERS).
	available := map[order.Channel]map[string]notify.Sender{}
	offer := func(ch order.Channel, name string, s notify.Sender) {
		if available[ch] == nil {
			available[ch] = map[string]notify.Sender{}
		}
		available[ch][name] = s
	}
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
			offer(order.ChannelSMS, providerTwilio, s)
		}
		if tw.WhatsAppFrom != "" {
			offer(order.ChannelWhatsApp, providerTwilio, s)
		}
		lookers[providerTwilio] = s
	}
	// SNS's credentials come from the AWS SDK's chain, which cannot be seen from here, so
	// SNS_REGION alone switches it on.
	if a.cfg.SNS.Region != "" {
		s, err := sns.New(context.Background(), sns.Config(a.cfg.SNS), hc, a.awsCreds)
		if err != nil {
			return nil, nil, err
		}
		offer(order.ChannelSMS, sns.Provider, s)
	}
	if s := a.whatsappCloud(dev, hc); s != nil {
		offer(order.ChannelWhatsApp, whatsapp.Provider, s)
	}
	sg := a.cfg.SendGrid
	if sg.From != "" && (sg.APIKey != "" || (dev && sg.APIURL != sendgridDefaultURL)) {
		offer(order.ChannelEmail, providerSendGrid, sendgrid.New(sendgrid.Config{APIKey: sg.APIKey, From: sg.From, APIURL: sg.APIURL}, hc))
	}
	if mg := a.cfg.Mailgun; mg.From != "" && mg.Domain != "" && (mg.APIKey != "" || (dev && mg.APIURL != "")) {
		offer(order.ChannelEmail, mailgun.Provider, mailgun.New(mailgun.Config{APIKey: mg.APIKey, Domain: mg.Domain, From: mg.From,
			Region: mg.Region, APIURL: mg.APIURL}, hc))
	}
	if s := a.pushSender(dev, hc); s != nil {
		offer(order.ChannelPush, providerOneSignal, s)
	}
	senders := map[order.Channel]notify.Failover{}
	for ch, names := range map[order.Channel][]string{
		order.ChannelSMS: a.cfg.SMSProviders, order.ChannelEmail: a.cfg.EmailProviders, order.ChannelWhatsApp: a.cfg.WhatsAppProviders,
		order.ChannelPush: {providerOneSignal},
	} {
		if s := failover(available[ch], names); s != nil {
			senders[ch] = s
		}
		for name := range available[ch] {
			if !slices.Contains(names, name) {
				a.log.Warn("a provider has credentials but is not in its channel's provider list: not used", "channel", ch, "provider", name)
			}
		}
	}
	// SendGrid's dynamic templates are SendGrid's own: another provider taking over an email
	// sends it as shipflow renders it, which every email is rendered as anyway.
	var sgTemplates map[order.Milestone]string
	if available[order.ChannelEmail][providerSendGrid] != nil {
		for m, id := range a.cfg.SendGridTemplates {
			if sgTemplates == nil {
				sgTemplates = map[order.Milestone]string{}
			}
			sgTemplates[order.Milestone(m)] = id
		}
	}
	if len(a.cfg.SendGridTemplates) > 0 && sgTemplates == nil {
		a.log.Warn("SENDGRID_TEMPLATES is set but email does not go through SendGrid; shipflow's own templates are used")
	}
	wa := map[order.Milestone]string{}
	for m, sid := range a.cfg.WhatsAppTemplates {
		wa[order.Milestone(m)] = sid
	}
	svc := &notify.Service{
		Log: notify.NewLog(a.db), Templates: set, Senders: senderMap(senders), WhatsAppTemplates: wa, SendGridTemplates: sgTemplates,
		CloudTemplates: a.cfg.WhatsAppCloudTemplates, PublicURL: a.cfg.PublicURL, TrackingSecret: a.cfg.TrackingSecret, ReviewURL: a.cfg.ReviewURL,
		TrackingPageURL: a.cfg.Brand.PageURL, Brand: a.cfg.Brand, Carriers: a.cfg.Carriers,
		Logger: a.log.With("component", "notify"),
	}
	for _, ch := range order.Channels {
		switch f, on := senders[ch]; {
		case on:
			a.log.Info("customer channel on", "channel", ch, "providers", f.Names())
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

// failover is a channel's providers from available in the order named: nil when none is
// there, a Failover over those that are.
func failover(available map[string]notify.Sender, names []string) notify.Failover {
	var f notify.Failover
	for _, name := range names {
		if s := available[name]; s != nil {
			f = append(f, notify.Provider{Name: name, Sender: s})
		}
	}
	return f
}

// senderMap gives the Service each channel's sender: a lone provider itself, so its errors
// read as they always have, several as their Failover.
func senderMap(chans map[order.Channel]notify.Failover) map[order.Channel]notify.Sender {
	m := make(map[order.Channel]notify.Sender, len(chans))
	for ch, f := range chans {
		if len(f) == 1 {
			m[ch] = f[0].Sender
		} else {
			m[ch] = f
		}
	}
	return m
}

// devOneSignalAppID and devOneSignalAPIKey stand in for ONESIGNAL_APP_ID and ONESIGNAL_API_KEY
// when dev mode sends to a stand-in without them: OneSignal's app ids are UUIDs and every
// request carries a key, so a stand-in expects both.
const (
	devOneSignalAppID  = "00000000-0000-4000-8000-000000000000"
	devOneSignalAPIKey = "dev"
)

// pushSender is the push channel's provider, OneSignal, or nil when it is off: ONESIGNAL_APP_ID
// and ONESIGNAL_API_KEY switch it on, and in dev mode an ONESIGNAL_API_URL other than
// OneSignal's does too (a stand-in, which is sent devOneSignalAppID and devOneSignalAPIKey for
// what is not set).
func (a *app) pushSender(dev bool, hc *http.Client) notify.Sender {
	oc := a.cfg.OneSignal
	standIn := dev && oc.APIURL != onesignal.DefaultAPIURL
	if (oc.AppID == "" || oc.APIKey == "") && !standIn {
		return nil
	}
	if oc.AppID == "" {
		oc.AppID = devOneSignalAppID
	}
	if oc.APIKey == "" {
		oc.APIKey = devOneSignalAPIKey
	}
	a.log.Info("push goes through OneSignal", "app_id", oc.AppID, "api_url", oc.APIURL)
	return onesignal.New(onesignal.Config{AppID: oc.AppID, APIKey: oc.APIKey, APIURL: oc.APIURL}, hc)
}
