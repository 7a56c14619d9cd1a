package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

// Credentials of the stand-ins `shipflow dev -standins` starts: the real clients send them and
// the stand-ins check them as the providers would. twilio-go wants both of Twilio's
// alphanumeric.
const (
	standInTwilioSID   = "ACdev0standin0000000000000000000"
	standInTwilioToken = "devstandintoken"
	standInSendGridKey = "SG.dev-standin"
	standInMailgunKey  = "key-dev-standin"
	standInMailgunHost = "mg.standin.example"
	standInAWSRegion   = "us-east-1"
	standInOneSignalID = "00000000-0000-4000-8000-0000005ea1d1"
	standInOneSignal   = "dev-standin-onesignal-key"
	standInWhatsAppID  = "100000000000001"
	standInWhatsApp    = "dev-standin-whatsapp-token"
	// The CRM connectors' stand-ins take these as an endpoint's credentials (docs/connectors.md).
	standInHubSpotToken  = "pat-dev-standin"
	standInSalesforceID  = "dev-standin-client-id"
	standInSalesforceKey = "dev-standin-client-secret"
	standInShopifyToken  = "shpat_00000000000000000000000000dev0"
	// The marketing connectors' stand-ins take these (docs/connectors.md#klaviyo).
	standInKlaviyoKey = "pk_devstandin0000000000000000000000"
	standInACToken    = "devstandinactivecampaign0000000000000000"
)

var standInAWS = aws.Credentials{AccessKeyID: "AKIADEVSTANDIN000000", SecretAccessKey: "dev-standin-secret-access-key"}

// standIns are the messaging providers' stand-ins of `shipflow dev -standins`, each the
// package providertest one the tests use, checking requests as the provider does. Every message
// they take is logged; POST {url}/_standin/down?seconds=N makes one fail (503) to watch the
// channel fail over, POST {url}/_standin/up ends that.
type standIns struct {
	twilio    *providertest.Twilio
	sns       *providertest.SNS
	sendgrid  *providertest.SendGrid
	mailgun   *providertest.Mailgun
	onesignal *providertest.OneSignal
	whatsapp  *providertest.WhatsApp
	// hubspot and salesforce are connectors' platforms: an endpoint of that kind names the
	// stand-in's URL and its credentials above.
	hubspot    *connectortest.HubSpot
	salesforce *connectortest.Salesforce
	shopify    *connectortest.Shopify // a shop for a shopify connector (docs/connectors.md#shopify)
	klaviyo    *connectortest.Klaviyo
	// activeCampaign has the shipping fields docs/connectors.md#activecampaign names.
	activeCampaign *connectortest.ActiveCampaign
}

// startStandIns starts the stand-ins and points cfg's providers at them, whatever the
// environment set: with -standins nothing reaches a real provider.
func startStandIns(cfg *config.Config, log *slog.Logger) (*standIns, error) {
	sg, err := providertest.StartSendGrid(standInSendGridKey)
	if err != nil {
		return nil, err
	}
	s := &standIns{
		twilio:     providertest.StartTwilio(standInTwilioSID, standInTwilioToken),
		sns:        providertest.StartSNS(standInAWS, standInAWSRegion),
		sendgrid:   sg,
		mailgun:    providertest.StartMailgun(standInMailgunKey, standInMailgunHost, "dev-standin-signing-key"),
		onesignal:  providertest.StartOneSignal(standInOneSignalID, standInOneSignal),
		whatsapp:   providertest.StartWhatsApp(standInWhatsApp, standInWhatsAppID, "dev-standin-app-secret"),
		hubspot:    connectortest.StartHubSpot(standInHubSpotToken),
		salesforce: connectortest.StartSalesforce(standInSalesforceID, standInSalesforceKey),
		shopify:    connectortest.StartShopify(standInShopifyToken),
		klaviyo:    connectortest.StartKlaviyo(standInKlaviyoKey),
		// activeCampaign's URL is an IP address: the connector's check takes it as a stand-in.
		activeCampaign: connectortest.StartActiveCampaign(standInACToken),
	}
	s.onesignal.EveryoneSubscribed = true // no app logs dev's customers in
	s.hubspot.EveryoneKnown = true        // no CRM knows dev's customers
	log = log.With("component", "stand-in")
	s.twilio.OnAccept = func(m providertest.TwilioMessage) {
		log.Info("twilio stand-in took a message", "to", notify.Mask(m.To), "from", m.From, "body", m.Body)
	}
	s.sns.OnAccept = func(m providertest.SNSMessage) {
		log.Info("sns stand-in took a text", "to", notify.Mask(m.PhoneNumber), "body", m.Message)
	}
	s.sendgrid.OnAccept = func(m providertest.SendGridMessage) {
		log.Info("sendgrid stand-in took an email", "to", notify.Mask(m.To), "subject", m.Subject, "template_id", m.TemplateID)
	}
	s.mailgun.OnAccept = func(m providertest.MailgunMessage) {
		log.Info("mailgun stand-in took an email", "to", notify.Mask(m.To), "subject", m.Subject)
	}
	s.whatsapp.OnAccept = func(m providertest.WhatsAppMessage) {
		log.Info("whatsapp cloud stand-in took a message", "to", notify.Mask(m.To), "type", m.Type, "text", m.Text, "template", m.Template)
	}
	s.hubspot.OnAccept = func(u connectortest.HubSpotUpdate) {
		log.Info("hubspot stand-in updated a contact", "email", notify.Mask(u.Email), "stage", u.Properties["shipflow_shipping_stage"])
	}
	s.salesforce.OnAccept = func(e connectortest.SalesforceEvent) {
		log.Info("salesforce stand-in took a platform event", "object", e.Object, "milestone", e.Fields["Milestone__c"], "order", e.Fields["Order_Id__c"])
	}
	s.shopify.OnAccept = func(e connectortest.ShopifyEvent) {
		log.Info("shopify stand-in took a fulfillment event", "fulfillment", e.FulfillmentID, "status", e.Status, "happened_at", e.HappenedAt)
	}
	s.klaviyo.OnAccept = func(e connectortest.KlaviyoEvent) {
		log.Info("klaviyo stand-in took an event", "metric", e.Metric, "email", notify.Mask(e.Email), "order", e.Properties["OrderId"])
	}
	for _, title := range []string{"Shipping Stage", "Shipping Carrier", "Tracking Number", "Tracking Link", "Shipping ETA", "Shipping Order ID"} {
		s.activeCampaign.AddField(title)
	}
	s.activeCampaign.OnTag = func(email, tag string) {
		log.Info("activecampaign stand-in tagged a contact", "email", notify.Mask(email), "tag", tag)
	}
	s.onesignal.OnAccept = func(p providertest.OneSignalPush) {
		log.Info("onesignal stand-in took a push", "to", notify.Mask(p.ExternalID), "title", p.Headings["en"], "text", p.Contents["en"], "url", p.URL)
	}

	cfg.Twilio = config.Twilio{AccountSID: standInTwilioSID, AuthToken: standInTwilioToken, From: "+15005550006",
		WhatsAppFrom: "+15005550007", APIURL: s.twilio.URL()}
	cfg.SNS = config.SNS{Region: standInAWSRegion, OriginationNumber: "+15005550008", EndpointURL: s.sns.URL()}
	cfg.SendGrid = config.SendGrid{APIKey: standInSendGridKey, From: "Shop <shop@standin.example>", APIURL: s.sendgrid.URL()}
	cfg.Mailgun = config.Mailgun{APIKey: standInMailgunKey, Domain: standInMailgunHost, From: "Shop <shop@" + standInMailgunHost + ">",
		Region: "us", APIURL: s.mailgun.URL()}
	cfg.WhatsAppCloud = config.WhatsAppCloud{AccessToken: standInWhatsApp, PhoneNumberID: standInWhatsAppID,
		APIURL: s.whatsapp.URL(), APIVersion: whatsapp.DefaultAPIVersion, AppSecret: "dev-standin-app-secret"}
	cfg.OneSignal = config.OneSignal{AppID: standInOneSignalID, APIKey: standInOneSignal, APIURL: s.onesignal.URL()}
	return s, nil
}

// awsCredentials are what the SNS client signs with: the stand-in's, not the machine's chain.
func (s *standIns) awsCredentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(standInAWS.AccessKeyID, standInAWS.SecretAccessKey, "")
}

func (s *standIns) close() {
	s.twilio.Close()
	s.sns.Close()
	s.sendgrid.Close()
	s.mailgun.Close()
	s.onesignal.Close()
	s.whatsapp.Close()
	s.hubspot.Close()
	s.salesforce.Close()
	s.shopify.Close()
	s.klaviyo.Close()
	s.activeCampaign.Close()
}

// banner lists the stand-ins for the dev banner.
func (s *standIns) banner(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "  Stand-ins    twilio %s, sns %s\n", s.twilio.URL(), s.sns.URL())
	fmt.Fprintf(&b, "               sendgrid %s, mailgun %s\n", s.sendgrid.URL(), s.mailgun.URL())
	fmt.Fprintf(&b, "               whatsapp cloud %s, onesignal %s\n", s.whatsapp.URL(), s.onesignal.URL())
	fmt.Fprintf(&b, "               hubspot %s (token %s), salesforce %s (client %s / %s)\n", s.hubspot.URL(), standInHubSpotToken,
		s.salesforce.URL(), standInSalesforceID, standInSalesforceKey)
	fmt.Fprintf(&b, "               shopify %s (access_token %s)\n", s.shopify.URL(), standInShopifyToken)
	fmt.Fprintf(&b, "               klaviyo %s (api_key %s), activecampaign %s (api_token %s)\n", s.klaviyo.URL(), standInKlaviyoKey,
		s.activeCampaign.URL(), standInACToken)
	fmt.Fprintf(&b, "               (curl -X POST <url>/_standin/down?seconds=60 fails one over to the next)\n")
	fmt.Fprint(w, b.String())
}
