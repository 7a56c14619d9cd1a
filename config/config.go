// Package config reads shipflow's settings (docs/reference/configuration.md) from flags and environment variables
// and validates all of them once, at start-up, so that a bad value stops the process with one
// line naming the setting instead of failing later in the middle of a request.
package config

import (
	"cmp"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/brand"
	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/estimate"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/onesignal"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/notify/sns"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/payload"
)

// Config is every setting shipflow knows. Zero values of optional provider credentials mean the
// provider is switched off.
type Config struct {
	HTTPAddr    string
	MetricsAddr string // the worker's own /metrics and /healthz listener when it runs alone
	PprofAddr   string // Go's profiler (net/http/pprof); empty: off
	PublicURL   string // how customers and providers reach this deployment (tracking links, callbacks)
	// TemporalUIURL is where staff open the Temporal UI (the console links each order's
	// workflow there); empty: no link, but under `dev`, whose UI is on TemporalUIPort.
	TemporalUIURL string
	// Dev is set by `shipflow dev`, never by a setting: the console, served over loopback HTTP,
	// then sends its session cookie without the Secure attribute.
	Dev      bool
	LogLevel string

	DatabaseURL string
	Temporal    Temporal

	AdminTokens []string
	// AdminTokenNames name AdminTokens, position by position: what a token's holder does in the
	// console is attributed to its name. An entry of SHIPFLOW_ADMIN_TOKENS written name:token
	// names itself; one without a name is admin-1, admin-2, ... by its place in the list.
	AdminTokenNames []string
	VoiceTokens     []string
	// VoiceMTLS serves /voice on a listener of its own that requires client certificates.
	VoiceMTLS VoiceMTLS
	// ZapierAPIKeys admit a Zapier integration to /zapier/v1 and nothing else
	// (docs/connectors.md "## Zapier"); none switches those routes off.
	ZapierAPIKeys []string
	// VoiceDriverTokens are /voice bearer tokens that mark the caller as a driver, the only
	// caller report_delay answers; VoiceDriverPhones are drivers' numbers (E.164), matched
	// against the caller id the voice platform gives, never a number the caller says.
	VoiceDriverTokens []string
	VoiceDriverPhones []string
	// VapiWebhookSecrets and RetellAPIKeys, when set, are required of every request to
	// /voice/vapi and /voice/retell (the platform's own signature); several allow a rotation.
	VapiWebhookSecrets []string
	RetellAPIKeys      []string

	CommerceWebhookSecret    string
	CarrierWebhookSecret     string
	ShopifyWebhookSecret     string
	WooCommerceWebhookSecret string
	AfterShipWebhookSecret   string
	EasyPostWebhookSecret    string
	// Previous holds the inbound secrets being rotated out, each accepted beside its
	// source's current one until it is unset (see Secrets).
	Previous PreviousSecrets

	Twilio    Twilio
	SNS       SNS
	SendGrid  SendGrid
	Mailgun   Mailgun
	OneSignal OneSignal
	// WhatsAppCloud is WhatsApp straight through Meta's Cloud API, which wins over Twilio's
	// WhatsApp when its token and phone number id are set.
	WhatsAppCloud WhatsAppCloud
	Alerts        Alerts
	Zendesk       Zendesk
	Freshdesk     Freshdesk
	// Magento is the Magento 2 store whose orders and shipments serve polls (docs/reference/inbound.md).
	Magento Magento

	// TwoWay answers a customer's own texts with their orders' status (SHIPFLOW_TWO_WAY, on
	// by default; it takes effect where Twilio's inbound webhook does, with
	// TWILIO_AUTH_TOKEN). TwoWayInterval is the shortest time between two answers to one
	// number.
	TwoWay         bool
	TwoWayInterval time.Duration

	AfterShip  Carrier
	EasyPost   Carrier
	ShipEngine Carrier
	// ShipEngineKeysURL is the JWKS ShipEngine webhook signatures verify against; empty
	// (the default) switches ShipEngine webhooks off. It is https, or http to a loopback
	// host for tests and local stand-ins.
	ShipEngineKeysURL string
	// RegisterParcels registers every shipped parcel with the tracking providers that have a
	// key (SHIPFLOW_REGISTER_PARCELS); off leaves registering to the merchant's own
	// integrations, and polling to find only what they registered.
	RegisterParcels bool

	WebhookAllowedCIDRs []netip.Prefix
	// WebhookAllowHTTP lets subscribers register plain http:// endpoints (dev mode sets it).
	WebhookAllowHTTP bool
	// FeedDigestWindow is how long a staff milestone feed's first waiting event waits for
	// others before their digest is posted (outbound.FeedSettings); zero posts at once.
	FeedDigestWindow time.Duration

	DataDir        string
	TemporalUIPort int
	TemporalCLI    string // the pinned temporal CLI that `shipflow dev` runs
	// StandIns makes `shipflow dev` start local stand-ins of the messaging providers and send
	// through them (SHIPFLOW_STANDINS), for trying every provider by hand without an account.
	StandIns bool

	PollInterval       time.Duration
	StaleAfter         time.Duration
	LateGrace          time.Duration
	EscalationSLA      time.Duration
	ReviewRequestDelay time.Duration
	VoiceDeadline      time.Duration
	// VoiceSource is where voice lookups read first: "readmodel" (default, measured fastest)
	// or "workflow" (the workflow query under a short deadline, the read model as fallback).
	VoiceSource string
	QuietHours  order.QuietHours
	// NotifyMilestones are the switchable milestones told (SHIPFLOW_NOTIFY_MILESTONES).
	NotifyMilestones []order.Milestone
	// ReturnWatch is how long a return parcel is waited for after its latest news.
	ReturnWatch time.Duration
	// DailyUpdates is the merchant's default for daily updates (SHIPFLOW_DAILY_UPDATES): on,
	// every customer who did not say no gets one; off, only customers who asked.
	DailyUpdates bool
	// DailyUpdateHour is the customer-local hour daily updates go at, outside quiet hours.
	DailyUpdateHour int
	// Estimates switches delivery estimates on for shipments announced without a date, under
	// EstimateRules (docs/reference/configuration.md, "Delivery estimates").
	Estimates         bool
	EstimateRules     estimate.Rules
	WhatsAppTemplates WhatsAppTemplates
	// SMSProviders, EmailProviders and WhatsAppProviders are each channel's providers in the
	// order a message tries them (SHIPFLOW_SMS_PROVIDERS, SHIPFLOW_EMAIL_PROVIDERS,
	// SHIPFLOW_WHATSAPP_PROVIDERS): one that is down passes the message to the next. A provider named without its credentials is left out.
	SMSProviders      []string
	EmailProviders    []string
	WhatsAppProviders []string
	// ChannelFallback sends a milestone that every provider of a channel refused for good on
	// the customer's next channel (SHIPFLOW_CHANNEL_FALLBACK).
	ChannelFallback bool
	// SendGridTemplates are SendGrid dynamic template ids by milestone (SENDGRID_TEMPLATES).
	SendGridTemplates SendGridTemplates
	// WhatsAppCloudTemplates are the templates approved at Meta by milestone
	// (WHATSAPP_CLOUD_TEMPLATES), for WhatsApp through the Cloud API.
	WhatsAppCloudTemplates map[order.Milestone]notify.CloudTemplateRef
	// SimStep is how long one step of the sim carrier's scripted journey takes.
	SimStep time.Duration

	// TrackingSecret derives the unguessable per-order token of tracking links and signs email
	// unsubscribe links; without it messages carry no tracking link, and email is refused at
	// start (checkEmailSecret).
	TrackingSecret string
	// TemplatesDir holds operator overrides of the customer message templates.
	TemplatesDir string
	// ReviewURL is the review request's link, "{order_id}" replaced by the order id; empty
	// (the default) sends review requests without a link.
	ReviewURL string
	// SendGridWebhookKey verifies SendGrid's signed event webhook (base64 DER public key).
	SendGridWebhookKey string
	// MailgunWebhookKey is Mailgun's HTTP webhook signing key, which signs its event webhooks.
	MailgunWebhookKey string

	// Limits protect the public routes from one client taking the replica.
	Limits Limits

	// Retention is how long each kind of data is kept before the retention schedule prunes
	// it (package retention).
	Retention Retention

	// Brand is the merchant's look on the tracking page and in every email.
	Brand brand.Brand
	// Carriers is the built-in carrier table with the rows of CarriersFile over it.
	Carriers     *carrier.Table
	CarriersFile string

	// PayloadKeys seal every Temporal payload, the first key sealing (docs/temporal-codec.md);
	// none leaves payloads in clear text. CodecCORSOrigins are the Temporal UI origins whose
	// browsers may call the codec server.
	PayloadKeys      payload.Keys
	CodecCORSOrigins []string
	// SecretKeys seal the secrets subscribers and connectors give us, kept in Postgres (signing
	// secrets, header values, secret URLs, credentials), the first key sealing
	// (SHIPFLOW_SECRET_KEYS); without any, no destination can be saved.
	SecretKeys payload.Keys
}

// PreviousSecrets are the inbound secrets of a rotation under way: each variable is its
// source's variable with _PREVIOUS appended. One rule for every source, rather than a list
// in one variable, because WooCommerce and EasyPost secrets are whatever the merchant typed,
// commas and spaces included.
type PreviousSecrets struct {
	Commerce, Carrier, Shopify, WooCommerce, AfterShip, EasyPost string
	// TwilioAuthToken is the token Twilio signed webhooks with before the secondary token
	// was promoted; it is accepted for webhook signatures only, never used for the API.
	TwilioAuthToken string
	// SendGridWebhookKey is the event webhook's previous verification key.
	SendGridWebhookKey string
	// MailgunWebhookKey is Mailgun's previous webhook signing key.
	MailgunWebhookKey string
	// WhatsAppCloudAppSecret is the Meta app's previous secret, which signed its webhooks.
	WhatsAppCloudAppSecret string
}

// Secrets returns what an inbound source accepts: current, then previous when a rotation is
// under way; nil when current is empty, which leaves the source off.
func Secrets(current, previous string) []string {
	switch {
	case current == "":
		return nil
	case previous == "" || previous == current:
		return []string{current}
	default:
		return []string{current, previous}
	}
}

// Limits are what one replica allows each client of the public routes; every replica counts
// on its own, so a deployment of N replicas behind a balancer admits up to N times as much.
type Limits struct {
	Track, Voice, Readyz RateLimit
	// Lookup is the /track lookup form's rate per client, LookupOrder its rate per order
	// number, whoever asks: the second is what stands between a guesser and an order's
	// postal code.
	Lookup, LookupOrder RateLimit
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client; with none,
	// the client is the connection's address and the header is ignored, since anyone can
	// write it.
	TrustedProxies []netip.Prefix
	// StreamsPerOrder and Streams cap the live streams (Server-Sent Events) open on one order
	// and on the whole process, each kind of stream (order API, tracking page) on its own.
	StreamsPerOrder, Streams int
}

// RateLimit is a token bucket per client: PerSecond requests on average, in bursts of up to
// Burst. A zero PerSecond is no limit.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Off reports whether the limit is switched off.
func (r RateLimit) Off() bool { return r.PerSecond == 0 }

// Temporal says where the engine is, how the connection to it is secured (TLS, mTLS, an API
// key; docs/temporal.md) and which queue shipflow's workers listen on.
type Temporal struct {
	Address   string
	Namespace string
	TaskQueue string
	Security  engine.Security
	Worker    WorkerTuning
}

// WorkerTuning is how much one worker process takes on at once; worker.Tuning says why the
// defaults are what they are.
type WorkerTuning struct {
	WorkflowPollers, ActivityPollers int
	MaxActivities, MaxWorkflowTasks  int
	StickyCacheSize                  int
}

// Twilio holds the SMS and WhatsApp credentials.
type Twilio struct {
	AccountSID, AuthToken, From, MessagingServiceSID, WhatsAppFrom, APIURL string
}

// SNS holds the Amazon SNS SMS settings. Its credentials are not here: the AWS SDK takes them
// from its standard chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, a role).
type SNS struct {
	Region, SenderID, OriginationNumber, EndpointURL string
}

// WhatsAppTemplates are the approved WhatsApp content templates (Content SIDs) per milestone.
// A business-initiated WhatsApp message outside the 24-hour customer window must use one.
type WhatsAppTemplates map[string]string

// SendGridTemplates are SendGrid dynamic template ids ("d-" and 32 lower-case hex digits) by
// milestone name: an email for a milestone listed is SendGrid's template filled with
// dynamic_template_data instead of shipflow's own rendering.
type SendGridTemplates map[string]string

// SendGrid holds the email credentials.
type SendGrid struct {
	APIKey, From, APIURL string
}

// Mailgun holds the email credentials of Mailgun, the email provider when SendGrid's are not set.
type Mailgun struct {
	APIKey, Domain, From string
	Region               string // "us" or "eu": where the account's domains live
	APIURL               string // overrides the region's API URL; empty for none
}

// Magento holds the store polled for orders and shipments: its base URL, the integration's
// access token, and how often it is read.
type Magento struct {
	URL, AccessToken string
	PollInterval     time.Duration
}

// On reports whether the store is polled: its URL and token are both set.
func (m Magento) On() bool { return m.URL != "" && m.AccessToken != "" }

// OneSignal holds the push channel's settings: the OneSignal app, its REST API key and the
// API's URL (a stand-in's in tests and dev).
type OneSignal struct {
	AppID, APIKey, APIURL string
}

// WhatsAppCloud holds the settings of WhatsApp through Meta's Cloud API: the sending
// number and its token, the Graph API's address and version, and the secrets of its webhook.
type WhatsAppCloud struct {
	AccessToken, PhoneNumberID, APIURL, APIVersion string
	// AppSecret verifies the webhooks' X-Hub-Signature-256; VerifyToken answers Meta's
	// subscription handshake. Either empty switches that half of /webhooks/whatsapp off.
	AppSecret, VerifyToken string
}

// On reports whether WhatsApp goes through the Cloud API: its token and number id are set.
func (w WhatsAppCloud) On() bool { return w.AccessToken != "" && w.PhoneNumberID != "" }

// Alerts are the staff chat webhooks.
type Alerts struct {
	SlackURL, TeamsURL, GoogleChatURL string
}

// Names of the staff chats, as workflows name them (OrderSettings.AlertChannels) and workers
// build them: part of running workflows' inputs.
const (
	ChatSlack      = "slack"
	ChatTeams      = "teams"
	ChatGoogleChat = "google_chat"
)

// Channels are the names of the chats configured, sorted: where staff are alerted.
func (a Alerts) Channels() []string {
	var out []string
	for name, url := range map[string]string{ChatSlack: a.SlackURL, ChatTeams: a.TeamsURL, ChatGoogleChat: a.GoogleChatURL} {
		if url != "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Zendesk holds the ticketing credentials, and whether tickets are opened for the order's
// customer with a public comment telling them what is going on (ZENDESK_PUBLIC_COMMENTS).
type Zendesk struct {
	URL, Email, APIToken string
	PublicComments       bool
}

// Freshdesk holds the ticketing settings of the alternative to Zendesk: the account (a
// *.freshdesk.com subdomain, or a base URL for stand-ins), its API key and the contact tickets
// are opened for.
type Freshdesk struct {
	Domain, URL, APIKey, RequesterEmail string
}

// On reports whether Freshdesk is complete enough to open tickets.
func (f Freshdesk) On() bool {
	return (f.Domain != "" || f.URL != "") && f.APIKey != "" && f.RequesterEmail != ""
}

// TicketsOn reports whether exceptions open tickets, in Zendesk or else in Freshdesk.
func (c *Config) TicketsOn() bool { return c.ZendeskOn() || c.Freshdesk.On() }

// ZendeskOn reports whether Zendesk has all three settings; it wins over Freshdesk when both
// are configured.
func (c *Config) ZendeskOn() bool {
	return c.Zendesk.URL != "" && c.Zendesk.Email != "" && c.Zendesk.APIToken != ""
}

// Carrier holds one tracking API's key and base URL.
type Carrier struct {
	APIKey, URL string
}

// setting ties one configuration value to its environment variable and flag. Secrets have no
// flag: command lines end up in shell history and process listings.
type setting struct {
	env, flag, def, usage string
	secret                bool
	parse                 func(string) error
}

// boolean reports whether s is a true-or-false setting, whose flag stands alone for true
// (-standins), as the flag package's own do. Every such setting has its default spelled out.
func (s setting) boolean() bool { return s.def == "true" || s.def == "false" }

func (c *Config) settings() []setting {
	return []setting{
		{env: "SHIPFLOW_HTTP_ADDR", flag: "http-addr", def: ":8080", usage: "address the HTTP API listens on", parse: addr(&c.HTTPAddr)},
		{env: "SHIPFLOW_METRICS_ADDR", flag: "metrics-addr", def: ":9090", usage: "address a standalone worker serves /metrics and /healthz on", parse: addr(&c.MetricsAddr)},
		{env: "SHIPFLOW_PPROF_ADDR", flag: "pprof-addr", usage: "address to serve Go's profiler (/debug/pprof/) on, e.g. 127.0.0.1:6060; it has no authentication, so keep it on loopback; empty: off", parse: optionalAddr(&c.PprofAddr)},
		{env: "SHIPFLOW_PUBLIC_URL", flag: "public-url", def: "http://localhost:8080", usage: "public base URL of the API (tracking links, provider callbacks)", parse: httpURL(&c.PublicURL)},
		{env: "SHIPFLOW_LOG_LEVEL", flag: "log-level", def: "info", usage: "debug, info, warn or error", parse: oneOf(&c.LogLevel, "debug", "info", "warn", "error")},
		{env: "DATABASE_URL", flag: "database-url", def: "postgres://postgres@127.0.0.1:5432/shipflow?sslmode=disable", usage: "Postgres connection string", parse: databaseURL(&c.DatabaseURL)},
		{env: "TEMPORAL_ADDRESS", flag: "temporal-address", def: "127.0.0.1:7233", usage: "Temporal frontend host:port", parse: addr(&c.Temporal.Address)},
		{env: "TEMPORAL_NAMESPACE", flag: "temporal-namespace", def: "default", usage: "Temporal namespace", parse: nonEmpty(&c.Temporal.Namespace)},
		{env: "SHIPFLOW_TASK_QUEUE", flag: "task-queue", def: "shipflow", usage: "Temporal task queue of shipflow's workers", parse: nonEmpty(&c.Temporal.TaskQueue)},
		{env: "TEMPORAL_TLS_CA", flag: "temporal-tls-ca", usage: "PEM file of the CAs the Temporal frontend's certificate chains to; empty trusts the system's roots", parse: caFile(&c.Temporal.Security.CAFile)},
		{env: "TEMPORAL_TLS_SERVER_NAME", flag: "temporal-tls-server-name", usage: "name checked on the Temporal frontend's certificate instead of the host of TEMPORAL_ADDRESS", parse: str(&c.Temporal.Security.ServerName)},
		{env: "TEMPORAL_TLS_CERT", flag: "temporal-tls-cert", usage: "PEM file of the mTLS client certificate, read again when it changes", parse: pemFile(&c.Temporal.Security.CertFile, "certificate")},
		{env: "TEMPORAL_TLS_KEY", flag: "temporal-tls-key", usage: "PEM file of the mTLS client certificate's private key", parse: pemFile(&c.Temporal.Security.KeyFile, "private key")},
		{env: "TEMPORAL_API_KEY", secret: true, usage: "Temporal Cloud API key; turns TLS on", parse: str(&c.Temporal.Security.APIKey)},
		{env: "SHIPFLOW_WORKFLOW_POLLERS", flag: "workflow-pollers", def: "16", usage: "workflow task pollers of a worker", parse: between(&c.Temporal.Worker.WorkflowPollers, 2, maxWorkerSlots)},
		{env: "SHIPFLOW_ACTIVITY_POLLERS", flag: "activity-pollers", def: "8", usage: "activity task pollers of a worker", parse: between(&c.Temporal.Worker.ActivityPollers, 1, maxWorkerSlots)},
		{env: "SHIPFLOW_MAX_CONCURRENT_ACTIVITIES", flag: "max-concurrent-activities", def: "1000", usage: "activities a worker runs at once", parse: between(&c.Temporal.Worker.MaxActivities, 1, maxWorkerSlots)},
		{env: "SHIPFLOW_MAX_CONCURRENT_WORKFLOW_TASKS", flag: "max-concurrent-workflow-tasks", def: "1000", usage: "workflow tasks a worker runs at once", parse: between(&c.Temporal.Worker.MaxWorkflowTasks, 2, maxWorkerSlots)},
		{env: "SHIPFLOW_STICKY_CACHE_SIZE", flag: "sticky-cache-size", def: "10000", usage: "workflows a worker keeps in memory between their tasks", parse: between(&c.Temporal.Worker.StickyCacheSize, 1, maxWorkerSlots)},

		{env: "SHIPFLOW_ADMIN_TOKENS", secret: true, usage: "comma-separated bearer tokens for /v1 and the console, each optionally name:token", parse: namedTokens(&c.AdminTokens, &c.AdminTokenNames)},
		{env: "SHIPFLOW_VOICE_TOKENS", secret: true, usage: "comma-separated bearer tokens for /voice", parse: tokens(&c.VoiceTokens)},
		{env: "SHIPFLOW_ZAPIER_API_KEYS", secret: true, usage: "comma-separated API keys of the Zapier integration, for /zapier/v1 only", parse: list(&c.ZapierAPIKeys, zapierAPIKey)},
		{env: "SHIPFLOW_COMMERCE_WEBHOOK_SECRET", secret: true, usage: "Standard Webhooks secret (whsec_...) of /webhooks/commerce", parse: whsec(&c.CommerceWebhookSecret)},
		{env: "SHIPFLOW_CARRIER_WEBHOOK_SECRET", secret: true, usage: "Standard Webhooks secret (whsec_...) of /webhooks/carriers/generic", parse: whsec(&c.CarrierWebhookSecret)},
		{env: "SHOPIFY_WEBHOOK_SECRET", secret: true, parse: str(&c.ShopifyWebhookSecret)},
		{env: "WOOCOMMERCE_WEBHOOK_SECRET", secret: true, parse: str(&c.WooCommerceWebhookSecret)},
		{env: "AFTERSHIP_WEBHOOK_SECRET", secret: true, parse: str(&c.AfterShipWebhookSecret)},
		{env: "EASYPOST_WEBHOOK_SECRET", secret: true, parse: str(&c.EasyPostWebhookSecret)},
		{env: "SHIPFLOW_COMMERCE_WEBHOOK_SECRET" + previousSuffix, secret: true, parse: whsec(&c.Previous.Commerce)},
		{env: "SHIPFLOW_CARRIER_WEBHOOK_SECRET" + previousSuffix, secret: true, parse: whsec(&c.Previous.Carrier)},
		{env: "SHOPIFY_WEBHOOK_SECRET" + previousSuffix, secret: true, parse: str(&c.Previous.Shopify)},
		{env: "WOOCOMMERCE_WEBHOOK_SECRET" + previousSuffix, secret: true, parse: str(&c.Previous.WooCommerce)},
		{env: "AFTERSHIP_WEBHOOK_SECRET" + previousSuffix, secret: true, parse: str(&c.Previous.AfterShip)},
		{env: "EASYPOST_WEBHOOK_SECRET" + previousSuffix, secret: true, parse: str(&c.Previous.EasyPost)},

		{env: "TWILIO_ACCOUNT_SID", secret: true, parse: str(&c.Twilio.AccountSID)},
		{env: "TWILIO_AUTH_TOKEN", secret: true, parse: str(&c.Twilio.AuthToken)},
		{env: "TWILIO_AUTH_TOKEN" + previousSuffix, secret: true, parse: str(&c.Previous.TwilioAuthToken)},
		{env: "TWILIO_FROM", flag: "twilio-from", usage: "sender number (E.164) for SMS", parse: str(&c.Twilio.From)},
		{env: "TWILIO_MESSAGING_SERVICE_SID", flag: "twilio-messaging-service-sid", usage: "Messaging Service used instead of a From number", parse: str(&c.Twilio.MessagingServiceSID)},
		{env: "TWILIO_WHATSAPP_FROM", flag: "twilio-whatsapp-from", usage: "WhatsApp sender (E.164)", parse: str(&c.Twilio.WhatsAppFrom)},
		{env: "TWILIO_WHATSAPP_TEMPLATES", flag: "twilio-whatsapp-templates", usage: "WhatsApp Content SIDs per milestone, e.g. shipped=HX...,delivered=HX...", parse: contentSIDs(&c.WhatsAppTemplates)},
		{env: "SHIPFLOW_TWO_WAY", flag: "two-way", def: "true", usage: "answer a customer's texts (SMS, WhatsApp) other than STOP/START with their orders' status; takes effect with TWILIO_AUTH_TOKEN", parse: boolean(&c.TwoWay)},
		{env: "SHIPFLOW_TWO_WAY_INTERVAL", flag: "two-way-interval", def: "1m", usage: "shortest time between two answers to one number; texts in between get none", parse: boundedDuration(&c.TwoWayInterval, maxTwoWayInterval)},
		{env: "TWILIO_API_URL", flag: "twilio-api-url", def: "https://api.twilio.com", usage: "Twilio API base URL", parse: httpURL(&c.Twilio.APIURL)},
		{env: "SNS_REGION", flag: "sns-region", usage: "AWS region of Amazon SNS; setting it sends SMS through SNS when Twilio has no SMS sender", parse: checked(&c.SNS.Region, sns.CheckRegion)},
		{env: "SNS_SENDER_ID", flag: "sns-sender-id", usage: "alphanumeric sender ID of SNS texts, where the country allows one", parse: checked(&c.SNS.SenderID, sns.CheckSenderID)},
		{env: "SNS_ORIGINATION_NUMBER", flag: "sns-origination-number", usage: "number (E.164) or short code SNS texts are sent from", parse: checked(&c.SNS.OriginationNumber, sns.CheckOriginationNumber)},
		{env: "SNS_ENDPOINT_URL", flag: "sns-endpoint-url", usage: "SNS endpoint instead of the region's (a stand-in in tests)", parse: optionalURL(&c.SNS.EndpointURL)},
		{env: "SENDGRID_API_KEY", secret: true, parse: str(&c.SendGrid.APIKey)},
		{env: "SENDGRID_FROM", flag: "sendgrid-from", usage: "sender email address", parse: str(&c.SendGrid.From)},
		{env: "SHIPFLOW_SMS_PROVIDERS", flag: "sms-providers", def: "twilio,sns", usage: "SMS providers in the order a text tries them, of twilio and sns; those without credentials are left out", parse: providers(&c.SMSProviders, "twilio", "sns")},
		{env: "SHIPFLOW_EMAIL_PROVIDERS", flag: "email-providers", def: "sendgrid,mailgun", usage: "email providers in the order an email tries them, of sendgrid and mailgun; those without credentials are left out", parse: providers(&c.EmailProviders, "sendgrid", "mailgun")},
		{env: "SHIPFLOW_WHATSAPP_PROVIDERS", flag: "whatsapp-providers", def: "whatsapp_cloud,twilio", usage: "WhatsApp providers in the order a message tries them, of whatsapp_cloud (Meta's Cloud API) and twilio; those without credentials are left out", parse: providers(&c.WhatsAppProviders, "whatsapp_cloud", "twilio")},
		{env: "SHIPFLOW_CHANNEL_FALLBACK", flag: "channel-fallback", def: "true", usage: "send a milestone every provider of a channel refused for good (invalid number, bounced address) on the customer's next channel", parse: boolean(&c.ChannelFallback)},
		{env: "SENDGRID_TEMPLATES", flag: "sendgrid-templates", usage: "SendGrid dynamic template ids per milestone, e.g. shipped=d-...,delivered=d-...", parse: sendGridTemplates(&c.SendGridTemplates)},
		{env: "SENDGRID_API_URL", flag: "sendgrid-api-url", def: "https://api.sendgrid.com", usage: "SendGrid API base URL", parse: httpURL(&c.SendGrid.APIURL)},
		{env: "MAILGUN_API_KEY", secret: true, parse: str(&c.Mailgun.APIKey)},
		{env: "MAILGUN_DOMAIN", flag: "mailgun-domain", usage: "Mailgun sending domain", parse: checked(&c.Mailgun.Domain, mailDomain)},
		{env: "MAILGUN_FROM", flag: "mailgun-from", usage: "sender email address on the Mailgun domain", parse: str(&c.Mailgun.From)},
		{env: "MAILGUN_REGION", flag: "mailgun-region", def: "us", usage: "Mailgun region of the domain: us or eu", parse: oneOf(&c.Mailgun.Region, "us", "eu")},
		{env: "MAILGUN_API_URL", flag: "mailgun-api-url", usage: "Mailgun API base URL, instead of the region's", parse: optionalURL(&c.Mailgun.APIURL)},
		{env: "ONESIGNAL_APP_ID", flag: "onesignal-app-id", usage: "OneSignal app id (a UUID) of the merchant's app, for push notifications", parse: checked(&c.OneSignal.AppID, oneSignalAppID)},
		{env: "ONESIGNAL_API_KEY", secret: true, parse: str(&c.OneSignal.APIKey)},
		{env: "ONESIGNAL_API_URL", flag: "onesignal-api-url", def: onesignal.DefaultAPIURL, usage: "OneSignal API base URL", parse: httpURL(&c.OneSignal.APIURL)},
		{env: "WHATSAPP_CLOUD_ACCESS_TOKEN", secret: true, parse: str(&c.WhatsAppCloud.AccessToken)},
		{env: "WHATSAPP_CLOUD_PHONE_NUMBER_ID", flag: "whatsapp-cloud-phone-number-id", usage: "Phone number ID (not the number) WhatsApp messages are sent from through Meta's Cloud API", parse: checked(&c.WhatsAppCloud.PhoneNumberID, whatsapp.CheckPhoneNumberID)},
		{env: "WHATSAPP_CLOUD_API_URL", flag: "whatsapp-cloud-api-url", def: whatsapp.DefaultAPIURL, usage: "Graph API base URL", parse: httpURL(&c.WhatsAppCloud.APIURL)},
		{env: "WHATSAPP_CLOUD_API_VERSION", flag: "whatsapp-cloud-api-version", def: whatsapp.DefaultAPIVersion, usage: "Graph API version", parse: checked(&c.WhatsAppCloud.APIVersion, whatsapp.CheckAPIVersion)},
		{env: "WHATSAPP_CLOUD_TEMPLATES", flag: "whatsapp-cloud-templates", usage: "templates approved at Meta per milestone, e.g. shipped=order_shipped:en_US,confirmed=order_confirmed:en_US:2", parse: cloudTemplates(&c.WhatsAppCloudTemplates)},
		{env: "WHATSAPP_CLOUD_APP_SECRET", secret: true, usage: "Meta app secret that signs /webhooks/whatsapp", parse: str(&c.WhatsAppCloud.AppSecret)},
		{env: "WHATSAPP_CLOUD_APP_SECRET" + previousSuffix, secret: true, usage: "the Meta app's previous secret, accepted during a rotation", parse: str(&c.Previous.WhatsAppCloudAppSecret)},
		{env: "WHATSAPP_CLOUD_VERIFY_TOKEN", secret: true, usage: "verify token of the /webhooks/whatsapp subscription handshake", parse: str(&c.WhatsAppCloud.VerifyToken)},

		{env: "SLACK_WEBHOOK_URL", secret: true, parse: optionalURL(&c.Alerts.SlackURL)},
		{env: "TEAMS_WEBHOOK_URL", secret: true, parse: optionalURL(&c.Alerts.TeamsURL)},
		{env: "GOOGLE_CHAT_WEBHOOK_URL", secret: true, parse: optionalURL(&c.Alerts.GoogleChatURL)},
		{env: "MAGENTO_URL", flag: "magento-url", usage: "Magento 2 store base URL (the one /rest/V1 answers under), e.g. https://shop.example.com; a stand-in's in dev", parse: optionalURL(&c.Magento.URL)},
		{env: "MAGENTO_ACCESS_TOKEN", secret: true, usage: "access token of the Magento integration that reads Sales", parse: str(&c.Magento.AccessToken)},
		{env: "SHIPFLOW_MAGENTO_POLL_INTERVAL", flag: "magento-poll-interval", def: "1m", usage: "how often Magento is read for new and changed orders and shipments (at least 5s)", parse: atLeast(&c.Magento.PollInterval, 5*time.Second)},
		{env: "ZENDESK_URL", flag: "zendesk-url", usage: "Zendesk base URL, e.g. https://example.zendesk.com", parse: optionalURL(&c.Zendesk.URL)},
		{env: "ZENDESK_EMAIL", flag: "zendesk-email", usage: "Zendesk agent email for API auth", parse: str(&c.Zendesk.Email)},
		{env: "ZENDESK_API_TOKEN", secret: true, parse: str(&c.Zendesk.APIToken)},
		{env: "ZENDESK_PUBLIC_COMMENTS", flag: "zendesk-public-comments", def: "false", usage: "open each Zendesk ticket for the order's customer (when the order has their email) and tell them in a public comment what is going on, in fixed words per exception reason", parse: boolean(&c.Zendesk.PublicComments)},
		{env: "FRESHDESK_DOMAIN", flag: "freshdesk-domain", usage: "Freshdesk account subdomain, the acme of acme.freshdesk.com", parse: checked(&c.Freshdesk.Domain, freshdeskDomain)},
		{env: "FRESHDESK_URL", flag: "freshdesk-url", usage: "Freshdesk base URL instead of the domain's, for a stand-in", parse: optionalURL(&c.Freshdesk.URL)},
		{env: "FRESHDESK_REQUESTER_EMAIL", flag: "freshdesk-requester-email", usage: "the contact Freshdesk tickets are opened for, e.g. a staff mailbox", parse: checked(&c.Freshdesk.RequesterEmail, requesterEmail)},
		{env: "FRESHDESK_API_KEY", secret: true, parse: str(&c.Freshdesk.APIKey)},

		{env: "AFTERSHIP_API_KEY", secret: true, parse: str(&c.AfterShip.APIKey)},
		{env: "AFTERSHIP_API_URL", flag: "aftership-api-url", def: "https://api.aftership.com", parse: httpURL(&c.AfterShip.URL)},
		{env: "EASYPOST_API_KEY", secret: true, parse: str(&c.EasyPost.APIKey)},
		{env: "EASYPOST_API_URL", flag: "easypost-api-url", def: "https://api.easypost.com", parse: httpURL(&c.EasyPost.URL)},
		{env: "SHIPENGINE_API_KEY", secret: true, parse: str(&c.ShipEngine.APIKey)},
		{env: "SHIPENGINE_WEBHOOK_KEYS_URL", flag: "shipengine-webhook-keys-url", usage: "JWKS of ShipEngine's webhook signing keys, e.g. https://api.shipengine.com/jwks; empty or \"off\" (the default) switches ShipEngine webhooks off", parse: keysURL(&c.ShipEngineKeysURL)},
		{env: "SHIPENGINE_API_URL", flag: "shipengine-api-url", def: "https://api.shipengine.com", parse: httpURL(&c.ShipEngine.URL)},
		{env: "SHIPFLOW_REGISTER_PARCELS", flag: "register-parcels", def: "true", usage: "register every shipped parcel with the tracking providers that have a key (AfterShip, EasyPost, ShipEngine, in that order)", parse: boolean(&c.RegisterParcels)},

		{env: "SHIPFLOW_WEBHOOK_ALLOWED_CIDRS", flag: "webhook-allowed-cidrs", usage: "comma-separated CIDRs outbound webhooks may reach despite being non-global", parse: cidrs(&c.WebhookAllowedCIDRs)},
		{env: "SHIPFLOW_WEBHOOK_ALLOW_HTTP", flag: "webhook-allow-http", def: "false", usage: "accept plain http:// webhook endpoints (dev mode allows them)", parse: boolean(&c.WebhookAllowHTTP)},
		{env: "SHIPFLOW_FEED_DIGEST_WINDOW", flag: "feed-digest-window", def: "5m", usage: "how long a staff milestone feed (Slack, Teams, Google Chat) gathers events into one digest; 0 posts at once", parse: digestWindow(&c.FeedDigestWindow)},
		{env: "SHIPFLOW_DATA_DIR", flag: "data-dir", def: ".data", usage: "where dev mode keeps its Temporal SQLite file", parse: nonEmpty(&c.DataDir)},
		{env: "SHIPFLOW_TEMPORAL_CLI", flag: "temporal-cli", def: "bin/temporal", usage: "path of the temporal CLI that dev mode runs", parse: nonEmpty(&c.TemporalCLI)},
		{env: "SHIPFLOW_STANDINS", flag: "standins", def: "false", usage: "dev only: start local stand-ins of every messaging provider (Twilio, SNS, SendGrid, Mailgun, WhatsApp Cloud API, OneSignal) and send through them", parse: boolean(&c.StandIns)},
		{env: "SHIPFLOW_TEMPORAL_UI_URL", usage: "the Temporal UI's address, for the console's links to workflows (https://cloud.temporal.io, or your own UI)", parse: optionalURL(&c.TemporalUIURL)},
		{env: "SHIPFLOW_TEMPORAL_UI_PORT", flag: "temporal-ui-port", def: "8233", usage: "port of the dev Temporal UI", parse: port(&c.TemporalUIPort)},

		{env: "SHIPFLOW_POLL_INTERVAL", flag: "poll-interval", def: "30m", usage: "how often a shipment in transit is polled", parse: duration(&c.PollInterval)},
		{env: "SHIPFLOW_STALE_AFTER", flag: "stale-after", def: "48h", usage: "silence after which a shipment in transit is stale", parse: duration(&c.StaleAfter)},
		{env: "SHIPFLOW_LATE_GRACE", flag: "late-grace", def: "12h", usage: "time past the ETA before a shipment is late", parse: duration(&c.LateGrace)},
		{env: "SHIPFLOW_ESCALATION_SLA", flag: "escalation-sla", def: "24h", usage: "time an exception may stay open before it escalates", parse: duration(&c.EscalationSLA)},
		{env: "SHIPFLOW_REVIEW_REQUEST_DELAY", flag: "review-request-delay", def: "72h", usage: "wait after delivery before asking for a review", parse: duration(&c.ReviewRequestDelay)},
		{env: "SHIPFLOW_QUIET_HOURS", flag: "quiet-hours", def: "21:00-08:00", usage: "customer-local hours when non-urgent messages wait, or off", parse: quietHours(&c.QuietHours)},
		{env: "SHIPFLOW_NOTIFY_MILESTONES", flag: "notify-milestones", usage: "switchable messages to send (in_transit) or skip (-packed), comma-separated, on top of the defaults; none for none", parse: milestones(&c.NotifyMilestones)},
		{env: "SHIPFLOW_DAILY_UPDATES", flag: "daily-updates", def: "false", usage: "send a daily update to every customer who did not say no (false: only to customers who asked, notify.daily_updates)", parse: boolean(&c.DailyUpdates)},
		{env: "SHIPFLOW_DAILY_UPDATE_HOUR", flag: "daily-update-hour", def: "18", usage: "customer-local hour (0-23) of daily updates, outside SHIPFLOW_QUIET_HOURS", parse: between(&c.DailyUpdateHour, 0, order.MaxDailyHour)},
		{env: "SHIPFLOW_RETURN_WATCH", flag: "return-watch", def: "720h", usage: "how long a return parcel is waited for after its latest news", parse: boundedDuration(&c.ReturnWatch, maxReturnWatch)},
		{env: "SHIPFLOW_ESTIMATES", flag: "estimates", def: "true", usage: "estimate delivery for shipments announced without a date", parse: boolean(&c.Estimates)},
		{env: "SHIPFLOW_MERCHANT_TIME_ZONE", flag: "merchant-time-zone", def: "UTC", usage: "IANA time zone the dispatch cut-off is read in", parse: zone(&c.EstimateRules.Zone)},
		{env: "SHIPFLOW_MERCHANT_COUNTRY", flag: "merchant-country", usage: "ISO 3166-1 alpha-2 country parcels leave from: its holidays are not dispatch days", parse: country(&c.EstimateRules.Country)},
		{env: "SHIPFLOW_DISPATCH_CUTOFF", flag: "dispatch-cutoff", def: "14:00", usage: "merchant-local HH:MM after which a parcel leaves the next working day, or off", parse: cutoff(&c.EstimateRules.Cutoff)},
		{env: "SHIPFLOW_PROCESSING_DAYS", flag: "processing-days", def: "1", usage: "working days between an order and its dispatch", parse: between(&c.EstimateRules.ProcessingDays, 0, estimate.MaxProcessingDays)},
		{env: "SHIPFLOW_TRANSIT_DAYS", flag: "transit-days", usage: "transit days overriding the carriers' defaults: carrier[/service][:CC]=days, comma-separated", parse: transitDays(&c.EstimateRules.Transit)},
		{env: "SHIPFLOW_TRACKING_SECRET", secret: true, usage: "key of the per-order tracking link tokens", parse: str(&c.TrackingSecret)},
		{env: "SHIPFLOW_REVIEW_URL", flag: "review-url", usage: "link of the review request, {order_id} replaced by the order id (escaped), e.g. https://shop.example.com/review?order={order_id}; empty sends no link", parse: reviewURL(&c.ReviewURL)},
		{env: "SHIPFLOW_TEMPLATES_DIR", flag: "templates-dir", usage: "directory of message template overrides", parse: str(&c.TemplatesDir)},
		{env: "SENDGRID_WEBHOOK_PUBLIC_KEY", secret: true, usage: "public key of SendGrid's signed event webhook", parse: str(&c.SendGridWebhookKey)},
		{env: "SENDGRID_WEBHOOK_PUBLIC_KEY" + previousSuffix, secret: true, usage: "SendGrid's previous event webhook key, accepted during a rotation", parse: str(&c.Previous.SendGridWebhookKey)},
		{env: "MAILGUN_WEBHOOK_SIGNING_KEY", secret: true, usage: "Mailgun's HTTP webhook signing key", parse: str(&c.MailgunWebhookKey)},
		{env: "MAILGUN_WEBHOOK_SIGNING_KEY" + previousSuffix, secret: true, usage: "Mailgun's previous webhook signing key, accepted during a rotation", parse: str(&c.Previous.MailgunWebhookKey)},
		{env: "SHIPFLOW_SIM_STEP", flag: "sim-step", def: "20s", usage: "time one step of the sim carrier's scripted journey takes", parse: duration(&c.SimStep)},
		{env: "SHIPFLOW_VOICE_SOURCE", flag: "voice-source", def: "readmodel", usage: "where voice lookups read first: readmodel or workflow", parse: oneOf(&c.VoiceSource, "readmodel", "workflow")},
		{env: "SHIPFLOW_VOICE_DEADLINE", flag: "voice-deadline", def: "800ms", usage: "deadline of a voice tool answer", parse: duration(&c.VoiceDeadline)},
		{env: "SHIPFLOW_VOICE_DRIVER_TOKENS", secret: true, usage: "comma-separated /voice bearer tokens of drivers (report_delay)", parse: tokens(&c.VoiceDriverTokens)},
		{env: "SHIPFLOW_VOICE_MTLS_ADDR", flag: "voice-mtls-addr", usage: "address of a second listener serving only /voice over TLS, requiring a client certificate from SHIPFLOW_VOICE_CLIENT_CA; empty: off", parse: optionalAddr(&c.VoiceMTLS.Addr)},
		{env: "SHIPFLOW_VOICE_TLS_CERT", flag: "voice-tls-cert", usage: "PEM file of the mTLS voice listener's certificate (its chain after it)", parse: pemFile(&c.VoiceMTLS.CertFile, "certificate")},
		{env: "SHIPFLOW_VOICE_TLS_KEY", flag: "voice-tls-key", usage: "PEM file of the mTLS voice listener's private key", parse: pemFile(&c.VoiceMTLS.KeyFile, "private key")},
		{env: "SHIPFLOW_VOICE_CLIENT_CA", flag: "voice-client-ca", usage: "PEM file of the CAs the voice platform's client certificates must chain to", parse: caFile(&c.VoiceMTLS.ClientCAFile)},
		{env: "SHIPFLOW_VOICE_MTLS_MODE", flag: "voice-mtls-mode", def: VoiceCertificate, usage: "what the mTLS voice listener admits: certificate (a client certificate alone) or certificate-and-token (one and a voice bearer token)", parse: oneOf(&c.VoiceMTLS.Mode, VoiceCertificate, VoiceCertificateAndToken)},
		{env: "SHIPFLOW_VOICE_CLIENT_NAMES", flag: "voice-client-names", usage: "comma-separated subject common names a client certificate must have on the mTLS voice listener; empty: any the CA signed", parse: list(&c.VoiceMTLS.Names, clientName)},
		{env: "SHIPFLOW_VOICE_MTLS_ONLY", flag: "voice-mtls-only", def: "false", usage: "serve /voice on the mTLS listener only, not on SHIPFLOW_HTTP_ADDR", parse: boolean(&c.VoiceMTLS.Only)},
		{env: "SHIPFLOW_VOICE_DRIVER_PHONES", flag: "voice-driver-phones", usage: "comma-separated E.164 numbers of drivers, matched against the voice platform's caller id", parse: phones(&c.VoiceDriverPhones)},
		{env: "VAPI_WEBHOOK_SECRET", secret: true, usage: "comma-separated secrets Vapi signs /voice/vapi with (X-Vapi-Secret or an HMAC credential)", parse: tokens(&c.VapiWebhookSecrets)},
		{env: "RETELL_API_KEY", secret: true, usage: "comma-separated Retell API keys (webhook badge) that sign /voice/retell", parse: tokens(&c.RetellAPIKeys)},

		{env: "SHIPFLOW_RATE_LIMIT_TRACK", flag: "rate-limit-track", def: "20:40", usage: "requests per second:burst per client to the tracking page and its stream, or off", parse: rateLimit(&c.Limits.Track)},
		{env: "SHIPFLOW_RATE_LIMIT_VOICE", flag: "rate-limit-voice", def: "50:100", usage: "requests per second:burst per client to /voice, or off", parse: rateLimit(&c.Limits.Voice)},
		{env: "SHIPFLOW_RATE_LIMIT_LOOKUP", flag: "rate-limit-lookup", def: "0.05:10", usage: "requests per second:burst per client to the /track lookup form, or off", parse: rateLimit(&c.Limits.Lookup)},
		{env: "SHIPFLOW_RATE_LIMIT_LOOKUP_ORDER", flag: "rate-limit-lookup-order", def: "0.002:5", usage: "lookups per second:burst of one order number at the /track form, from all clients together, or off", parse: rateLimit(&c.Limits.LookupOrder)},
		{env: "SHIPFLOW_RATE_LIMIT_READYZ", flag: "rate-limit-readyz", def: "10:20", usage: "requests per second:burst per client to /readyz, or off", parse: rateLimit(&c.Limits.Readyz)},
		{env: "SHIPFLOW_TRUSTED_PROXIES", flag: "trusted-proxies", usage: "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client", parse: cidrs(&c.Limits.TrustedProxies)},
		{env: "SHIPFLOW_STREAMS_PER_ORDER", flag: "streams-per-order", def: "20", usage: "live streams (SSE) open at once on one order, per kind", parse: count(&c.Limits.StreamsPerOrder, maxStreams)},
		{env: "SHIPFLOW_STREAMS_MAX", flag: "streams-max", def: "1000", usage: "live streams (SSE) open at once in this process, per kind", parse: count(&c.Limits.Streams, maxStreams)},

		{env: "SHIPFLOW_RETENTION", flag: "retention", def: "true", usage: "prune data past its retention on a Temporal Schedule (false pauses the schedule)", parse: boolean(&c.Retention.On)},
		{env: "SHIPFLOW_RETENTION_EVERY", flag: "retention-every", def: "1h", usage: "how often the retention schedule prunes", parse: retentionEvery(&c.Retention.Every)},
		{env: "SHIPFLOW_RETENTION_INBOX", flag: "retention-inbox", def: "30d", usage: "age in days (30d) past which applied or rejected inbound deliveries are deleted, or off", parse: age(&c.Retention.Inbox)},
		{env: "SHIPFLOW_RETENTION_NOTIFICATION_BODIES", flag: "retention-notification-bodies", def: "30d", usage: "age in days past which a sent message's text is blanked in the notification log, or off", parse: age(&c.Retention.NotificationBodies)},
		{env: "SHIPFLOW_RETENTION_NOTIFICATIONS", flag: "retention-notifications", def: "395d", usage: "age in days past which notification log rows are deleted (opt-outs are kept), or off", parse: age(&c.Retention.Notifications)},
		{env: "SHIPFLOW_RETENTION_DELIVERIES", flag: "retention-deliveries", def: "30d", usage: "age in days since their last attempt past which finished subscriber deliveries and their attempts are deleted, or off", parse: age(&c.Retention.Deliveries)},
		{env: "SHIPFLOW_RETENTION_ORDERS", flag: "retention-orders", def: "395d", usage: "age in days since it finished past which an order leaves the read model with its shipments, timeline and events, or off", parse: age(&c.Retention.Orders)},
		{env: "SHIPFLOW_RETENTION_AUDIT", flag: "retention-audit", def: "395d", usage: "age in days past which audit trail entries are deleted, or off", parse: age(&c.Retention.Audit)},
		{env: "SHIPFLOW_RETENTION_TRANSIENT", flag: "retention-transient", def: "3d", usage: "age in days past which voice answers and failed verifications, two-way texts and ended console sessions are deleted, or off", parse: age(&c.Retention.Transient)},
		{env: "SHIPFLOW_RETENTION_PRIVACY_REQUESTS", flag: "retention-privacy-requests", def: "30d", usage: "age in days since they finished past which done or failed privacy requests (erasures, exports kept for the merchant with their documents) are deleted, or off", parse: age(&c.Retention.PrivacyRequests)},

		{env: "SHIPFLOW_BRAND_NAME", flag: "brand-name", usage: "store name on the tracking page and in emails", parse: checked(&c.Brand.Name, brand.CheckName)},
		{env: "SHIPFLOW_BRAND_LOGO_URL", flag: "brand-logo-url", usage: "https URL of the store's logo, shown on the tracking page and in emails", parse: checked(&c.Brand.LogoURL, brand.CheckLogoURL)},
		{env: "SHIPFLOW_BRAND_PRIMARY_COLOR", flag: "brand-primary-color", usage: "header colour, #rrggbb", parse: checked(&c.Brand.Primary, brand.CheckColor)},
		{env: "SHIPFLOW_BRAND_ACCENT_COLOR", flag: "brand-accent-color", usage: "button colour, #rrggbb", parse: checked(&c.Brand.Accent, brand.CheckColor)},
		{env: "SHIPFLOW_BRAND_SUPPORT_EMAIL", flag: "brand-support-email", usage: "support email address in the page's and the emails' footer", parse: checked(&c.Brand.SupportEmail, brand.CheckEmail)},
		{env: "SHIPFLOW_BRAND_SUPPORT_PHONE", flag: "brand-support-phone", usage: "support phone number in the page's and the emails' footer, e.g. +370 600 12345", parse: checked(&c.Brand.SupportPhone, brand.CheckPhone)},
		{env: "SHIPFLOW_TRACKING_PAGE_URL", flag: "tracking-page-url", usage: "public base URL of the tracking page when it is not SHIPFLOW_PUBLIC_URL, e.g. https://track.shop.example", parse: optionalURL(&c.Brand.PageURL)},
		{env: "SHIPFLOW_CARRIERS_FILE", flag: "carriers-file", usage: "JSON file of carriers that extend or replace the built-in table (docs/reference/carriers.md)", parse: carriersFile(&c.CarriersFile, &c.Carriers)},

		{env: "SHIPFLOW_SECRET_KEYS", secret: true, usage: "comma-separated id:base64key AES-256 keys sealing the secrets kept in Postgres (endpoints' signing secrets, headers and secret URLs, connector credentials), the first one sealing", parse: payloadKeys(&c.SecretKeys)},
		{env: "SHIPFLOW_PAYLOAD_KEYS", secret: true, usage: "comma-separated id:base64key AES-256 keys sealing Temporal payloads, the first one sealing", parse: payloadKeys(&c.PayloadKeys)},
		{env: "SHIPFLOW_CODEC_CORS_ORIGINS", flag: "codec-cors-origins", usage: "comma-separated origins (scheme://host[:port]) of Temporal UIs that may call /codec", parse: origins(&c.CodecCORSOrigins)},
	}
}

// Load parses args (flags after the subcommand) with defaults taken from the environment, then
// validates every setting. A flag wins over its environment variable.
func Load(name string, args []string, getenv func(string) string) (*Config, error) {
	return LoadFlags(flag.NewFlagSet(name, flag.ContinueOnError), args, getenv)
}

// LoadFlags is Load for a command with flags of its own, already defined on fs.
func LoadFlags(fs *flag.FlagSet, args []string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	name := fs.Name()
	settings := c.settings()
	vals := make([]*string, len(settings))
	for i, s := range settings {
		v := s.def
		if e := getenv(s.env); e != "" {
			v = e
		}
		if s.secret {
			vals[i] = &v
			continue
		}
		usage := fmt.Sprintf("%s (env %s)", s.usage, s.env)
		if s.boolean() {
			vals[i] = &v
			fs.Var(boolFlag{vals[i]}, s.flag, usage)
			continue
		}
		vals[i] = fs.String(s.flag, v, usage)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: shipflow %s [flags]\n\nFlags (each also read from the environment variable named):\n", name)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nSecrets are read from the environment only:\n")
		for _, s := range settings {
			if s.secret {
				fmt.Fprintf(fs.Output(), "  %s\n", s.env)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for i, s := range settings {
		if err := s.parse(strings.TrimSpace(*vals[i])); err != nil {
			return nil, fmt.Errorf("config: %s: %w", s.name(), err)
		}
	}
	if err := c.checkRotations(); err != nil {
		return nil, err
	}
	if err := c.checkZapierKeys(); err != nil {
		return nil, err
	}
	if c.Zendesk.PublicComments && !c.ZendeskOn() {
		return nil, errors.New("config: ZENDESK_PUBLIC_COMMENTS: is on but Zendesk is not configured; set ZENDESK_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN, or turn it off")
	}
	if (c.Magento.URL == "") != (c.Magento.AccessToken == "") {
		return nil, errors.New("config: MAGENTO_URL and MAGENTO_ACCESS_TOKEN: set both to poll Magento, or neither")
	}
	if err := c.checkClientCert(); err != nil {
		return nil, err
	}
	if err := c.checkVoiceMTLS(); err != nil {
		return nil, err
	}
	if err := c.checkDailyHour(); err != nil {
		return nil, err
	}
	if err := c.checkEmailSecret(); err != nil {
		return nil, err
	}
	if err := c.checkRetention(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkEmailSecret refuses email without SHIPFLOW_TRACKING_SECRET: the secret signs each
// email's unsubscribe link, and without it emails went out with no link and no
// List-Unsubscribe headers (which large mailbox providers require of bulk senders), silently.
func (c *Config) checkEmailSecret() error {
	if c.TrackingSecret != "" {
		return nil
	}
	for _, p := range []struct {
		name string
		on   bool
	}{{"SendGrid", c.sendGridOn()}, {"Mailgun", c.mailgunOn()}} {
		if p.on {
			return fmt.Errorf("config: SHIPFLOW_TRACKING_SECRET: email goes out through %s but no tracking secret is set; "+
				"it signs each email's unsubscribe link and List-Unsubscribe header (required by large mailbox providers) and the tracking links, "+
				"so set one (make one with: openssl rand -hex 32)", p.name)
		}
	}
	return nil
}

// sendGridOn and mailgunOn report whether email can go through the provider: its
// credentials and sender are set.
func (c *Config) sendGridOn() bool { return c.SendGrid.APIKey != "" && c.SendGrid.From != "" }
func (c *Config) mailgunOn() bool {
	return c.Mailgun.APIKey != "" && c.Mailgun.Domain != "" && c.Mailgun.From != ""
}

// Limits of a Zapier API key: long enough not to be guessed, short enough for a header, and
// plain printable ASCII, which is what a merchant can paste into Zapier's connection form.
const (
	minZapierKeyLen = 24
	maxZapierKeyLen = 256
)

// zapierAPIKey accepts one key of SHIPFLOW_ZAPIER_API_KEYS.
func zapierAPIKey(k string) (string, error) {
	if len(k) < minZapierKeyLen || len(k) > maxZapierKeyLen {
		return "", fmt.Errorf("a key must be %d to %d characters long, one is %d (make one with: openssl rand -hex 24)", minZapierKeyLen, maxZapierKeyLen, len(k))
	}
	for i := range len(k) {
		if c := k[i]; c <= ' ' || c > '~' {
			return "", fmt.Errorf("a key must be printable ASCII without spaces; one has byte 0x%02X at %d", c, i)
		}
	}
	return k, nil
}

// checkZapierKeys refuses a Zapier key that is also an admin or voice token: a Zapier key is
// handed to a third party and must open nothing but /zapier/v1.
func (c *Config) checkZapierKeys() error {
	for _, k := range c.ZapierAPIKeys {
		if slices.Contains(c.AdminTokens, k) || slices.Contains(c.VoiceTokens, k) {
			return errors.New("config: SHIPFLOW_ZAPIER_API_KEYS: a key is also a token of SHIPFLOW_ADMIN_TOKENS or SHIPFLOW_VOICE_TOKENS; give Zapier a key of its own, which opens /zapier/v1 only")
		}
	}
	return nil
}

// checkDailyHour refuses a daily update hour inside the quiet hours: every update would wait
// for the morning, where something else is likely said, which is not what was asked for.
func (c *Config) checkDailyHour() error {
	if c.QuietHours.Contains(c.DailyUpdateHour * 60) {
		return fmt.Errorf("config: SHIPFLOW_DAILY_UPDATE_HOUR (-daily-update-hour): %d:00 is inside SHIPFLOW_QUIET_HOURS; choose an hour outside them", c.DailyUpdateHour)
	}
	return nil
}

// previousSuffix names the variable of a secret being rotated out: the source's own
// variable with it appended.
const previousSuffix = "_PREVIOUS"

// checkRotations refuses a previous secret without a current one: it would be the only
// secret accepted, which is a rotation done backwards.
func (c *Config) checkRotations() error {
	for _, r := range []struct{ env, current, previous string }{
		{"SHIPFLOW_COMMERCE_WEBHOOK_SECRET", c.CommerceWebhookSecret, c.Previous.Commerce},
		{"SHIPFLOW_CARRIER_WEBHOOK_SECRET", c.CarrierWebhookSecret, c.Previous.Carrier},
		{"SHOPIFY_WEBHOOK_SECRET", c.ShopifyWebhookSecret, c.Previous.Shopify},
		{"WOOCOMMERCE_WEBHOOK_SECRET", c.WooCommerceWebhookSecret, c.Previous.WooCommerce},
		{"AFTERSHIP_WEBHOOK_SECRET", c.AfterShipWebhookSecret, c.Previous.AfterShip},
		{"EASYPOST_WEBHOOK_SECRET", c.EasyPostWebhookSecret, c.Previous.EasyPost},
		{"TWILIO_AUTH_TOKEN", c.Twilio.AuthToken, c.Previous.TwilioAuthToken},
		{"SENDGRID_WEBHOOK_PUBLIC_KEY", c.SendGridWebhookKey, c.Previous.SendGridWebhookKey},
		{"MAILGUN_WEBHOOK_SIGNING_KEY", c.MailgunWebhookKey, c.Previous.MailgunWebhookKey},
		{"WHATSAPP_CLOUD_APP_SECRET", c.WhatsAppCloud.AppSecret, c.Previous.WhatsAppCloudAppSecret},
	} {
		if r.previous != "" && r.current == "" {
			return fmt.Errorf("config: %s%s: is set but %s is not; set the new secret in %s and keep the old one here until the rotation is done", r.env, previousSuffix, r.env, r.env)
		}
	}
	return nil
}

// checkClientCert refuses half a client certificate, and a certificate and key that do not
// belong together, or that expired: the connection would fail at every handshake.
func (c *Config) checkClientCert() error {
	s := c.Temporal.Security
	switch {
	case s.CertFile == "" && s.KeyFile == "":
		return nil
	case s.KeyFile == "":
		return errors.New("config: TEMPORAL_TLS_CERT: is set but TEMPORAL_TLS_KEY is not; a client certificate needs its key")
	case s.CertFile == "":
		return errors.New("config: TEMPORAL_TLS_KEY: is set but TEMPORAL_TLS_CERT is not; a client key needs its certificate")
	}
	if _, err := engine.LoadKeyPair(s.CertFile, s.KeyFile); err != nil {
		return fmt.Errorf("config: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: %w", err)
	}
	return nil
}

func (s setting) name() string {
	if s.flag == "" {
		return s.env
	}
	return fmt.Sprintf("%s (-%s)", s.env, s.flag)
}

func str(dst *string) func(string) error {
	return func(v string) error { *dst = v; return nil }
}

// checked stores v once check accepts it.
func checked(dst *string, check func(string) error) func(string) error {
	return func(v string) error {
		if err := check(v); err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

// oneSignalAppID accepts a OneSignal app id, or "" for push switched off.
func oneSignalAppID(v string) error {
	if v == "" {
		return nil
	}
	return onesignal.CheckAppID(v)
}

// carriersFile reads the merchant's carrier rows over the built-in table; without a file the
// table is the built-in one.
func carriersFile(path *string, dst **carrier.Table) func(string) error {
	return func(v string) error {
		*dst = carrier.Builtin()
		if v == "" {
			return nil
		}
		f, err := os.Open(v)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, carrier.MaxFile+1))
		if err != nil {
			return fmt.Errorf("read %s: %w", v, err)
		}
		rows, err := carrier.Parse(b)
		if err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		if *dst, err = carrier.Builtin().With(rows); err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		*path = v
		return nil
	}
}

// TrackingPageURL is the base of tracking links: the brand's own page URL, else the API's
// public URL (which serves the page too).
func (c *Config) TrackingPageURL() string { return cmp.Or(c.Brand.PageURL, c.PublicURL) }

// freshdeskDomain accepts a Freshdesk subdomain: a DNS label, so that it cannot point the API
// key at another host.
func freshdeskDomain(v string) error {
	if v == "" {
		return nil
	}
	if len(v) > 63 || strings.HasPrefix(v, "-") || strings.HasSuffix(v, "-") ||
		strings.IndexFunc(v, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) >= 0 {
		return fmt.Errorf("%q is not a subdomain such as acme (lower-case letters, digits and hyphens, at most 63)", v)
	}
	return nil
}

// requesterEmail accepts an email address of at most 254 bytes.
func requesterEmail(v string) error {
	if v == "" {
		return nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 {
		return fmt.Errorf("%q is not a bare email address such as ops@shop.example", v)
	}
	return nil
}

func nonEmpty(dst *string) func(string) error {
	return func(v string) error {
		if v == "" {
			return errors.New("must not be empty")
		}
		*dst = v
		return nil
	}
}

// mailDomain accepts a sending domain: a DNS name of letters, digits, hyphens and dots, which
// goes into the API path.
func mailDomain(v string) error {
	if len(v) > 253 {
		return errors.New("is longer than 253 characters")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("%q is not a domain name", v)
		}
	}
	return nil
}

func oneOf(dst *string, allowed ...string) func(string) error {
	return func(v string) error {
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				*dst = a
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// maxAddr is the longest host:port: a DNS name (253) and a port.
const maxAddr = 253 + len(":65535")

func addr(dst *string) func(string) error {
	return func(v string) error {
		if len(v) > maxAddr || strings.ContainsFunc(v, unicode.IsControl) {
			return fmt.Errorf("%.40q is not host:port: at most %d characters, none of them control characters", v, maxAddr)
		}
		if _, p, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("%q is not host:port", v)
		} else if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("%q has no valid port", v)
		}
		*dst = v
		return nil
	}
}

// optionalAddr is addr for a listener that is off when empty.
func optionalAddr(dst *string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		return addr(dst)(v)
	}
}

func port(dst *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q is not a port number (1-65535)", v)
		}
		*dst = n
		return nil
	}
}

func duration(dst *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration; use Go syntax such as 800ms, 30m or 48h", v)
		}
		if d <= 0 {
			return fmt.Errorf("%q must be positive", v)
		}
		*dst = d
		return nil
	}
}

// atLeast is duration with a floor, for a setting whose small values would hammer a remote.
func atLeast(dst *time.Duration, floor time.Duration) func(string) error {
	return func(v string) error {
		var d time.Duration
		if err := duration(&d)(v); err != nil {
			return err
		}
		if d < floor {
			return fmt.Errorf("%q is shorter than %s", v, floor)
		}
		*dst = d
		return nil
	}
}

func httpURL(dst *string) func(string) error {
	return func(v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q is not an http(s) URL", v)
		}
		*dst = strings.TrimRight(v, "/")
		return nil
	}
}

func optionalURL(dst *string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		return httpURL(dst)(v)
	}
}

func reviewURL(dst *string) func(string) error {
	return func(v string) error {
		if err := template.CheckReviewURL(v); err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

func contentSIDs(dst *WhatsAppTemplates) func(string) error {
	return func(v string) error {
		*dst = WhatsAppTemplates{}
		for pair := range strings.SplitSeq(v, ",") {
			if pair = strings.TrimSpace(pair); pair == "" {
				continue
			}
			m, sid, ok := strings.Cut(pair, "=")
			if !ok || !strings.HasPrefix(sid, "HX") {
				return fmt.Errorf("%q is not milestone=HX... (a Twilio Content SID)", pair)
			}
			(*dst)[strings.TrimSpace(m)] = strings.TrimSpace(sid)
		}
		return nil
	}
}

// maxCloudTemplates bounds WHATSAPP_CLOUD_TEMPLATES: one template per milestone at most.
const maxCloudTemplates = 4096

// Shapes of a Cloud API template's name (lower-case letters, digits, underscores) and of its
// language code (en, en_US, fil).
var (
	cloudTemplateName     = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	cloudTemplateLanguage = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
)

// cloudTemplates parses milestone=name:language[:parameters],... : a milestone shipflow
// knows, once each, a template name and language code as Meta writes them, and how many of
// the four variables the template's body takes (all four when not given).
func cloudTemplates(dst *map[order.Milestone]notify.CloudTemplateRef) func(string) error {
	return func(v string) error {
		*dst = map[order.Milestone]notify.CloudTemplateRef{}
		if len(v) > maxCloudTemplates {
			return fmt.Errorf("longer than %d bytes", maxCloudTemplates)
		}
		if strings.ContainsFunc(v, unicode.IsControl) {
			return errors.New("contains control characters")
		}
		for pair := range strings.SplitSeq(v, ",") {
			if pair = strings.TrimSpace(pair); pair == "" {
				continue
			}
			m, ref, ok := strings.Cut(pair, "=")
			m = strings.TrimSpace(m)
			parts := strings.Split(strings.TrimSpace(ref), ":")
			if !ok || len(parts) < 2 || len(parts) > 3 {
				return fmt.Errorf("%q is not milestone=template_name:language[:parameters]", pair)
			}
			if !order.Milestone(m).Known() {
				return fmt.Errorf("%q: %q is not a milestone", pair, m)
			}
			if _, dup := (*dst)[order.Milestone(m)]; dup {
				return fmt.Errorf("milestone %q is named twice", m)
			}
			t := notify.CloudTemplateRef{Name: parts[0], Language: parts[1], Parameters: notify.MaxCloudParameters}
			if !cloudTemplateName.MatchString(t.Name) {
				return fmt.Errorf("%q: %q is not a template name (lower-case letters, digits and underscores)", pair, t.Name)
			}
			if !cloudTemplateLanguage.MatchString(t.Language) {
				return fmt.Errorf("%q: %q is not a template language code such as en or en_US", pair, t.Language)
			}
			if len(parts) == 3 {
				n, err := strconv.Atoi(parts[2])
				if err != nil || n < 0 || n > notify.MaxCloudParameters {
					return fmt.Errorf("%q: %q is not a number of parameters from 0 to %d", pair, parts[2], notify.MaxCloudParameters)
				}
				t.Parameters = n
			}
			(*dst)[order.Milestone(m)] = t
		}
		return nil
	}
}

// maxSendGridTemplates bounds SENDGRID_TEMPLATES: at most one template per milestone, each
// pair short, so the whole value is small.
const maxSendGridTemplates = 1024

// sendGridTemplates parses milestone=d-<32 hex>,... : a milestone shipflow knows, once each,
// and an id shaped as SendGrid's dynamic template ids are.
func sendGridTemplates(dst *SendGridTemplates) func(string) error {
	return func(v string) error {
		*dst = SendGridTemplates{}
		if len(v) > maxSendGridTemplates {
			return fmt.Errorf("longer than %d bytes", maxSendGridTemplates)
		}
		if strings.ContainsFunc(v, unicode.IsControl) {
			return errors.New("contains control characters")
		}
		for pair := range strings.SplitSeq(v, ",") {
			if pair = strings.TrimSpace(pair); pair == "" {
				continue
			}
			m, id, ok := strings.Cut(pair, "=")
			m, id = strings.TrimSpace(m), strings.TrimSpace(id)
			if !ok {
				return fmt.Errorf("%q is not milestone=d-... (a SendGrid dynamic template id)", pair)
			}
			if !order.Milestone(m).Known() {
				return fmt.Errorf("%q: %q is not a milestone", pair, m)
			}
			if _, dup := (*dst)[m]; dup {
				return fmt.Errorf("milestone %q is named twice", m)
			}
			if !sendgrid.ValidTemplateID(id) {
				return fmt.Errorf("%q: %q is not a SendGrid dynamic template id (d- and 32 lower-case hex digits)", pair, id)
			}
			(*dst)[m] = id
		}
		return nil
	}
}

// providers reads a channel's provider list: names from known, each once, in the order given.
func providers(dst *[]string, known ...string) func(string) error {
	return func(v string) error {
		*dst = nil
		return list(dst, func(name string) (string, error) {
			name = strings.ToLower(name)
			switch {
			case !slices.Contains(known, name):
				return "", fmt.Errorf("%q is not one of %s", name, strings.Join(known, ", "))
			case slices.Contains(*dst, name):
				return "", fmt.Errorf("%q is named twice", name)
			}
			return name, nil
		})(v)
	}
}

// boolFlag is a boolean setting's flag: given alone it means true, and its value is parsed
// with the setting's other sources by boolean.
type boolFlag struct{ v *string }

func (b boolFlag) String() string {
	if b.v == nil {
		return ""
	}
	return *b.v
}

func (b boolFlag) Set(s string) error { *b.v = s; return nil }
func (b boolFlag) IsBoolFlag() bool   { return true }

func boolean(dst *bool) func(string) error {
	return func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*dst = b
		return nil
	}
}

// maxTwoWayInterval bounds SHIPFLOW_TWO_WAY_INTERVAL: answered messages are remembered for a day.
const maxTwoWayInterval = 24 * time.Hour

// maxReturnWatch bounds SHIPFLOW_RETURN_WATCH: a workflow waits that long at most for a return.
const maxReturnWatch = 180 * 24 * time.Hour

func boundedDuration(dst *time.Duration, max time.Duration) func(string) error {
	return func(v string) error {
		var d time.Duration
		if err := duration(&d)(v); err != nil {
			return err
		}
		if d > max {
			return fmt.Errorf("%q is more than %s", v, max)
		}
		*dst = d
		return nil
	}
}

// maxDigestWindow bounds SHIPFLOW_FEED_DIGEST_WINDOW: a feed is for the day's work, and a
// digest later than this is news nobody can act on.
const maxDigestWindow = 24 * time.Hour

// digestWindow reads a duration from 0 (no gathering: post at once) to maxDigestWindow.
func digestWindow(dst *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			return fmt.Errorf("%.40q is not a duration; use Go syntax such as 0, 90s or 5m", v)
		case d < 0:
			return fmt.Errorf("%q must not be negative", v)
		case d > maxDigestWindow:
			return fmt.Errorf("%q is more than %s", v, maxDigestWindow)
		}
		*dst = d
		return nil
	}
}

// maxMilestonesLen bounds SHIPFLOW_NOTIFY_MILESTONES: every switchable name, each negated, fits.
const maxMilestonesLen = 256

func milestones(dst *[]order.Milestone) func(string) error {
	return func(v string) error {
		if len(v) > maxMilestonesLen {
			return fmt.Errorf("is longer than %d characters", maxMilestonesLen)
		}
		ms, err := order.ParseTell(v)
		if err != nil {
			return err
		}
		*dst = ms
		return nil
	}
}

func quietHours(dst *order.QuietHours) func(string) error {
	return func(v string) error {
		q, err := order.ParseQuietHours(v)
		if err != nil {
			return err
		}
		*dst = q
		return nil
	}
}

// keysURL reads ShipEngine's JWKS URL: empty or "off" is off. Keys fetched in clear text
// could be swapped on the way, making every forged webhook verify, so the URL is https; http
// is allowed only to a loopback host (a test's or a developer's stand-in), which no one
// between us and it can reach into.
func keysURL(dst *string) func(string) error {
	return func(v string) error {
		if v == "" || strings.EqualFold(v, "off") {
			*dst = ""
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && egress.Loopback(u.Hostname()))) {
			return fmt.Errorf("%q is not an https URL (http only to localhost or a loopback address)", v)
		}
		*dst = v
		return nil
	}
}

// maxRate and maxStreams bound the limit settings: a typo of a few extra zeros should stop the
// start-up, not switch the limit off in effect.
const (
	maxRate    = 1_000_000
	maxStreams = 1_000_000
)

// rateLimit parses "RATE:BURST" (requests per second, and the burst a client may spend at
// once), "RATE" (a burst of RATE, at least 1), or "off".
func rateLimit(dst *RateLimit) func(string) error {
	return func(v string) error {
		if strings.EqualFold(v, "off") {
			*dst = RateLimit{}
			return nil
		}
		r, b, hasBurst := strings.Cut(v, ":")
		perSec, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || !(perSec > 0 && perSec <= maxRate) {
			return fmt.Errorf("%q is not RATE:BURST (such as 20:40, rate above 0 and at most %d) or off", v, maxRate)
		}
		burst := max(1, int(math.Ceil(perSec)))
		if hasBurst {
			if burst, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || burst < 1 || burst > maxRate {
				return fmt.Errorf("%q is not RATE:BURST (such as 20:40, burst a whole number from 1 to %d) or off", v, maxRate)
			}
		}
		*dst = RateLimit{PerSecond: perSec, Burst: burst}
		return nil
	}
}

// count parses a whole number from 1 to most.
func count(dst *int, most int) func(string) error { return between(dst, 1, most) }

// between parses a whole number from least to most.
func between(dst *int, least, most int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < least || n > most {
			return fmt.Errorf("%q is not a whole number from %d to %d", v, least, most)
		}
		*dst = n
		return nil
	}
}

// maxWorkerSlots bounds the worker tuning settings, against a typo of a few extra zeros.
// The SDK refuses 1 workflow task poller or slot, hence their least of 2.
const maxWorkerSlots = 1_000_000

// caFile checks a CA bundle loads, so a wrong path stops start-up rather than every dial.
func caFile(dst *string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		if _, err := engine.LoadCA(v); err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

// pemFile checks the file holds a PEM block of the kind ("certificate", "private key"); whether
// certificate and key belong together is checkClientCert's to say.
func pemFile(dst *string, kind string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		b, err := os.ReadFile(v)
		if err != nil {
			return err
		}
		for {
			var blk *pem.Block
			if blk, b = pem.Decode(b); blk == nil {
				return fmt.Errorf("%s holds no PEM %s", v, kind)
			}
			if strings.HasSuffix(strings.ToLower(blk.Type), kind) {
				*dst = v
				return nil
			}
		}
	}
}

func databaseURL(dst *string) func(string) error {
	return func(v string) error {
		if _, err := pgxpool.ParseConfig(v); err != nil {
			// pgx's message may quote the whole URL, password included; keep it out of logs.
			return errors.New("cannot be parsed as a Postgres connection string (postgres://user@host:port/db?sslmode=...)")
		}
		*dst = v
		return nil
	}
}

func tokens(dst *[]string) func(string) error {
	return list(dst, func(t string) (string, error) { return t, nil })
}

// namedTokens reads tokens written token or name:token. A colon not preceded by a valid name
// is part of the token, so tokens of any alphabet keep working as they are.
func namedTokens(secrets, names *[]string) func(string) error {
	return list(secrets, func(t string) (string, error) {
		name, secret, ok := strings.Cut(t, ":")
		if !ok || !access.ValidName(name) || secret == "" {
			name, secret = fmt.Sprintf("admin-%d", len(*names)+1), t
		}
		if slices.Contains(*names, name) {
			return "", fmt.Errorf("the name %q is given to two tokens", name)
		}
		*names = append(*names, name)
		return secret, nil
	})
}

func phones(dst *[]string) func(string) error {
	return list(dst, func(p string) (string, error) {
		if !order.IsE164(p) {
			return "", fmt.Errorf("%q is not an E.164 number such as +37060000000", p)
		}
		return p, nil
	})
}

func whsec(dst *string) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		key, ok := strings.CutPrefix(v, "whsec_")
		if !ok {
			return errors.New("must start with whsec_")
		}
		if _, err := base64.StdEncoding.DecodeString(key); err != nil {
			return errors.New("the part after whsec_ is not valid base64")
		}
		*dst = v
		return nil
	}
}

func cidrs(dst *[]netip.Prefix) func(string) error {
	return list(dst, func(s string) (netip.Prefix, error) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", s)
		}
		return p.Masked(), nil
	})
}

func payloadKeys(dst *payload.Keys) func(string) error {
	return func(v string) error {
		keys, err := payload.ParseKeys(v)
		if err != nil {
			return err
		}
		*dst = keys
		return nil
	}
}

// origins reads browser origins as the Origin header writes them: scheme and host, no path.
func origins(dst *[]string) func(string) error {
	return list(dst, func(o string) (string, error) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return "", fmt.Errorf("%q is not an origin such as https://temporal-ui.example.com", o)
		}
		return u.Scheme + "://" + u.Host, nil
	})
}

// Provider is one third-party service and whether shipflow may use it.
type Provider struct {
	Name string
	On   bool
	Need string // what to set to switch it on
}

// Providers lists the third-party services with whether their credentials are set. One
// without credentials is switched off, and start-up says so.
func (c *Config) Providers() []Provider {
	return []Provider{
		{"twilio", c.Twilio.AccountSID != "" && c.Twilio.AuthToken != "" && (c.Twilio.From != "" || c.Twilio.MessagingServiceSID != "" || c.Twilio.WhatsAppFrom != ""),
			"TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, TWILIO_MESSAGING_SERVICE_SID or TWILIO_WHATSAPP_FROM"},
		{"sns", c.SNS.Region != "", "SNS_REGION, with AWS credentials from the SDK's chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile or a role)"},
		{"sendgrid", c.sendGridOn(), "SENDGRID_API_KEY and SENDGRID_FROM"},
		{"mailgun", c.mailgunOn(), "MAILGUN_API_KEY, MAILGUN_DOMAIN and MAILGUN_FROM"},
		{"onesignal", c.OneSignal.AppID != "" && c.OneSignal.APIKey != "", "ONESIGNAL_APP_ID and ONESIGNAL_API_KEY"},
		{"whatsapp_cloud", c.WhatsAppCloud.On(), "WHATSAPP_CLOUD_ACCESS_TOKEN and WHATSAPP_CLOUD_PHONE_NUMBER_ID"},
		{"slack", c.Alerts.SlackURL != "", "SLACK_WEBHOOK_URL"},
		{"teams", c.Alerts.TeamsURL != "", "TEAMS_WEBHOOK_URL"},
		{"google_chat", c.Alerts.GoogleChatURL != "", "GOOGLE_CHAT_WEBHOOK_URL"},
		{"zendesk", c.ZendeskOn(), "ZENDESK_URL, ZENDESK_EMAIL and ZENDESK_API_TOKEN"},
		{"magento", c.Magento.On(), "MAGENTO_URL and MAGENTO_ACCESS_TOKEN"},
		{"freshdesk", c.Freshdesk.On(), "FRESHDESK_DOMAIN (or FRESHDESK_URL), FRESHDESK_API_KEY and FRESHDESK_REQUESTER_EMAIL"},
		{"aftership", c.AfterShip.APIKey != "", "AFTERSHIP_API_KEY"},
		{"easypost", c.EasyPost.APIKey != "", "EASYPOST_API_KEY"},
		{"shipengine", c.ShipEngine.APIKey != "", "SHIPENGINE_API_KEY"},
	}
}

// list reads a comma-separated setting: each item trimmed, empty ones skipped, the rest parsed
// by parse, whose error names the item.
func list[T any](dst *[]T, parse func(string) (T, error)) func(string) error {
	return func(v string) error {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			x, err := parse(item)
			if err != nil {
				return err
			}
			*dst = append(*dst, x)
		}
		return nil
	}
}

// zone reads an IANA time zone name this machine knows.
func zone(dst **time.Location) func(string) error {
	return func(v string) error {
		if len(v) > 64 || strings.ContainsFunc(v, unicode.IsControl) {
			return fmt.Errorf("%.40q is not a time zone name: at most 64 characters, none of them control characters", v)
		}
		l, err := time.LoadLocation(v)
		if err != nil || v == "" || v == "Local" {
			return fmt.Errorf("%q is not an IANA time zone such as Europe/Vilnius", v)
		}
		*dst = l
		return nil
	}
}

// country reads an ISO 3166-1 alpha-2 code in either case; empty is none.
func country(dst *string) func(string) error {
	return func(v string) error {
		cc := strings.ToUpper(v)
		if v != "" && (len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z') {
			return fmt.Errorf("%.40q is not a two-letter country code such as LT", v)
		}
		*dst = cc
		return nil
	}
}

// cutoff reads a time of day HH:MM, or off (zero: no cut-off).
func cutoff(dst *time.Duration) func(string) error {
	return func(v string) error {
		if strings.EqualFold(v, "off") {
			*dst = 0
			return nil
		}
		t, err := time.Parse("15:04", v)
		if err != nil || len(v) != len("15:04") {
			return fmt.Errorf("%.40q is not a time of day HH:MM (24-hour) or off", v)
		}
		*dst = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
		return nil
	}
}

func transitDays(dst *estimate.Transit) func(string) error {
	return func(v string) error {
		t, err := estimate.ParseTransit(v)
		if err != nil {
			return err
		}
		*dst = t
		return nil
	}
}

// SecretCodec is the codec of SHIPFLOW_SECRET_KEYS, which seals the secrets kept in Postgres; nil
// when none is set.
func (c *Config) SecretCodec() (*payload.Codec, error) {
	if len(c.SecretKeys) == 0 {
		return nil, nil
	}
	return payload.NewCodec(c.SecretKeys)
}

// VoiceMTLS is the optional listener that serves /voice to a voice platform presenting a client
// certificate ("Bearer tokens or mTLS", as the platforms offer), beside or instead of /voice
// on the main listener.
type VoiceMTLS struct {
	// Addr is where it listens; "" turns it off.
	Addr string
	// CertFile and KeyFile are its own certificate and key; ClientCAFile the CAs a client's
	// certificate must chain to.
	CertFile, KeyFile, ClientCAFile string
	// Mode is what admits a request: VoiceCertificate or VoiceCertificateAndToken.
	Mode string
	// Names, when any, are the subject common names a client certificate must have.
	Names []string
	// Only takes /voice off the main listener.
	Only bool
}

// The modes of the mTLS voice listener (SHIPFLOW_VOICE_MTLS_MODE).
const (
	VoiceCertificate         = "certificate"
	VoiceCertificateAndToken = "certificate-and-token"
)

// On reports whether the mTLS voice listener is configured.
func (m VoiceMTLS) On() bool { return m.Addr != "" }

// maxClientNameLen bounds a common name (RFC 5280's ub-common-name).
const maxClientNameLen = 64

// clientName reads one allowed common name: printable ASCII, at most 64 characters.
func clientName(v string) (string, error) {
	if len(v) > maxClientNameLen || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r > '~' }) {
		return "", fmt.Errorf("%q is not a certificate common name (1 to %d printable ASCII characters)", v, maxClientNameLen)
	}
	return v, nil
}

// checkVoiceMTLS refuses an mTLS voice listener that could not accept a connection: a file
// missing, a key that is not the certificate's, or a certificate expired. Its settings
// without its address, or /voice taken off the main listener with nowhere else to go, are
// mistakes too.
func (c *Config) checkVoiceMTLS() error {
	m := c.VoiceMTLS
	if !m.On() {
		switch {
		case m.CertFile != "" || m.KeyFile != "" || m.ClientCAFile != "" || len(m.Names) > 0:
			return errors.New("config: SHIPFLOW_VOICE_TLS_CERT, SHIPFLOW_VOICE_TLS_KEY, SHIPFLOW_VOICE_CLIENT_CA and SHIPFLOW_VOICE_CLIENT_NAMES: are set but SHIPFLOW_VOICE_MTLS_ADDR is not")
		case m.Only:
			return errors.New("config: SHIPFLOW_VOICE_MTLS_ONLY: is on but SHIPFLOW_VOICE_MTLS_ADDR is not set: /voice would be served nowhere")
		}
		return nil
	}
	switch {
	case m.CertFile == "" || m.KeyFile == "":
		return errors.New("config: SHIPFLOW_VOICE_MTLS_ADDR: needs SHIPFLOW_VOICE_TLS_CERT and SHIPFLOW_VOICE_TLS_KEY, the listener's certificate and key")
	case m.ClientCAFile == "":
		return errors.New("config: SHIPFLOW_VOICE_MTLS_ADDR: needs SHIPFLOW_VOICE_CLIENT_CA, the CAs of the clients' certificates")
	case m.Addr == c.HTTPAddr:
		return errors.New("config: SHIPFLOW_VOICE_MTLS_ADDR: is SHIPFLOW_HTTP_ADDR; the mTLS voice listener needs an address of its own")
	case m.Mode == VoiceCertificateAndToken && len(c.VoiceTokens) == 0 && len(c.VoiceDriverTokens) == 0:
		return errors.New("config: SHIPFLOW_VOICE_MTLS_MODE: certificate-and-token needs SHIPFLOW_VOICE_TOKENS")
	}
	if _, err := engine.LoadKeyPair(m.CertFile, m.KeyFile); err != nil {
		return fmt.Errorf("config: SHIPFLOW_VOICE_TLS_CERT and SHIPFLOW_VOICE_TLS_KEY: %w", err)
	}
	return nil
}
