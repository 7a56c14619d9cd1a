// Package server is shipflow's HTTP surface: inbound webhooks, the voice assistant tools, the
// order API and, mounted from package outbound, the webhook-endpoint API, the tracking page,
// and the health and metrics endpoints. It accepts and validates; the durable work happens in
// Temporal workflows and their activities.
package server

import (
	"cmp"
	"crypto/ecdsa"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/twoway"
)

// Deps are what the HTTP handlers need from the process.
type Deps struct {
	Config   *config.Config
	DB       *pgxpool.Pool
	Temporal client.Client
	Logger   *slog.Logger
	Metrics  *telemetry.Metrics
	Inbox    *inbox.Inbox
	// ShipEngineKeys verifies ShipEngine's RSA signatures; nil switches its webhooks off.
	ShipEngineKeys signature.KeySet
	// Clock is the time webhook timestamps are checked against; nil is the system clock.
	Clock func() time.Time
	// Notifications is the notification log: the compliance view, receipts and opt-outs.
	Notifications *notify.Log
	// SendGridKey verifies SendGrid's signed event webhook; nil switches it off.
	SendGridKey *ecdsa.PublicKey
	// SendGridPreviousKey is SENDGRID_WEBHOOK_PUBLIC_KEY_PREVIOUS, also accepted during a rotation.
	SendGridPreviousKey *ecdsa.PublicKey
	// Changes tells live views (SSE, the tracking page) that an order changed.
	Changes Subscriber
	// Secrets seal connectors' credentials (SHIPFLOW_SECRET_KEYS); nil refuses connectors
	// with credentials.
	Secrets *payload.Codec
}

// server carries Deps to the handlers.
type server struct {
	Deps
	inboundAccepted *prometheus.CounterVec
	// orderStreams and trackStreams cap the live streams of the order API and of the
	// tracking page, each on its own.
	orderStreams, trackStreams *streamSlots
	ready                      readyState
	// twoWay answers customers' texts; nil when SHIPFLOW_TWO_WAY is off. whatsappReplies sends
	// the answers to texts that came through the WhatsApp Cloud API, whose webhook cannot carry
	// them; nil when the Cloud API is not configured.
	twoWay          *twoway.Answerer
	whatsappReplies notify.Sender
	// webhooks are the management operations of webhook endpoints and deliveries: the JSON
	// API's and the console's, one value for both.
	webhooks *outbound.API
}

// New builds the echo app with every route and the middleware all of them share.
func New(d Deps) *echo.Echo {
	s := &server{Deps: d}
	s.inboundAccepted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shipflow_inbound_deliveries_total", Help: "Inbound webhook deliveries stored, by source and result (accepted, duplicate).",
	}, []string{"source", "result"})
	d.Metrics.Registry.MustRegister(s.inboundAccepted)
	lim := d.Config.Limits
	streams := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "shipflow_live_streams", Help: "Live streams (Server-Sent Events) open, by kind (order_api, tracking_page).",
	}, []string{"kind"})
	d.Metrics.Registry.MustRegister(streams)
	s.orderStreams = newStreamSlots(lim.StreamsPerOrder, lim.Streams, streams.WithLabelValues(streamOrderAPI))
	s.trackStreams = newStreamSlots(lim.StreamsPerOrder, lim.Streams, streams.WithLabelValues(streamTrackingPage))
	if cfg := d.Config; cfg.TwoWay {
		s.twoWay = &twoway.Answerer{
			DB: d.DB, TrackingURL: cmp.Or(cfg.Brand.PageURL, cfg.PublicURL), TrackingSecret: cfg.TrackingSecret,
			Interval: cfg.TwoWayInterval, Logger: d.Logger.With("component", "twoway"), Now: d.Clock,
		}
		if wc := cfg.WhatsAppCloud; wc.On() {
			s.whatsappReplies = whatsapp.New(whatsapp.Config{AccessToken: wc.AccessToken, PhoneNumberID: wc.PhoneNumberID,
				APIURL: wc.APIURL, APIVersion: wc.APIVersion}, &http.Client{Timeout: whatsappReplyTimeout})
		}
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = clientIP(lim.TrustedProxies)

	e.Use(requestID())
	e.Use(s.observe())
	e.Use(s.recoverPanics())
	e.Use(capBody())

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz, rateLimit(newClientLimiter(lim.Readyz, maxClients)))
	e.GET("/metrics", echo.WrapHandler(s.metricsHandler()))
	e.GET("/openapi.yaml", s.openAPIDocument)

	s.routeWebhooks(e)
	e.POST("/webhooks/twilio/status", s.twilioStatus)
	e.POST("/webhooks/twilio/inbound", s.twilioInbound)
	e.POST("/webhooks/sendgrid/events", s.sendgridEvents)
	e.POST("/webhooks/mailgun/events", s.mailgunEvents)
	e.GET("/webhooks/whatsapp", s.whatsappSubscribe)
	e.POST("/webhooks/whatsapp", s.whatsappEvents)

	v1 := e.Group("/v1", bearer("admin", d.Config.AdminTokens, d.Config.AdminTokenNames))
	v1.POST("/system/selftest", s.selftest)
	v1.GET("/orders", s.listOrders)
	v1.GET("/orders/:order_id", s.getOrder)
	v1.GET("/orders/:order_id/stream", s.streamOrder)
	v1.POST("/orders/:order_id/exception/resolve", s.resolveException)
	v1.GET("/orders/:order_id/notifications", s.orderNotifications)
	webhooks := egress.Policy{Allowed: d.Config.WebhookAllowedCIDRs, AllowHTTP: d.Config.WebhookAllowHTTP}
	s.webhooks = &outbound.API{
		DB:         d.DB,
		Deliveries: outbound.Deliveries{Client: d.Temporal, TaskQueue: d.Config.Temporal.TaskQueue},
		Policy:     webhooks,
		Sender: &outbound.Sender{Policy: webhooks, Secrets: d.Secrets, Feeds: outbound.FeedSettings{
			DigestWindow: d.Config.FeedDigestWindow, PublicURL: d.Config.PublicURL, TrackingPageURL: d.Config.Brand.PageURL,
			TrackingSecret: d.Config.TrackingSecret}},
		Secrets: d.Secrets,
	}
	s.webhooks.Register(v1)
	s.routeZapier(e, webhooks)
	v1.GET("/inbound-events", s.listInboundEvents)
	v1.GET("/audit", s.listAudit)
	v1.POST("/inbound-events/:id/replay", s.replayInboundEvent)
	s.routeCodec(e)

	// The voice routes check their own credentials (tokens, or a platform's signature), after
	// the rate limit, so guessing a token is slowed too.
	voice := e.Group("/voice", rateLimit(newClientLimiter(lim.Voice, maxClients)))
	s.routeCustomerFacing(e, voice, rateLimitWith(newClientLimiter(lim.Track, maxClients), s.trackBusy))
	s.routeLookupForm(e, rateLimitWith(newClientLimiter(lim.Lookup, maxClients), s.pageBusy))
	s.routeUnsubscribe(e, rateLimitWith(newClientLimiter(lim.Track, maxClients), s.pageBusy))
	s.console().Register(e, rateLimitWith(newClientLimiter(lim.Lookup, maxClients), s.pageBusy))
	return e
}
