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

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/retention"
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
	// Secrets seal destinations' secrets and connectors' credentials in Postgres
	// (SHIPFLOW_SECRET_KEYS); nil refuses every new destination.
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
	api, _ := NewListeners(d)
	return api
}

// NewListeners builds the main app (New's) and, when SHIPFLOW_VOICE_MTLS_ADDR is set, the app
// of the mTLS voice listener: /voice alone, with the main app's handlers, rate limit and
// middleware (voice_mtls.go); nil when it is off. Serve the second with VoiceTLSConfig.
func NewListeners(d Deps) (api, voiceMTLS *echo.Echo) {
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
	// Pruning runs in the workers; every serve shows what they recorded.
	d.Metrics.Registry.MustRegister(&retention.Collector{DB: d.DB, Retention: d.Config.Retention, Logger: d.Logger})
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

	obs := s.observe() // once: it registers the request metrics both listeners count in
	newEcho := func() *echo.Echo {
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		e.HTTPErrorHandler = s.handleError
		e.IPExtractor = clientIP(lim.TrustedProxies)
		e.Use(requestID())
		e.Use(obs)
		e.Use(s.recoverPanics())
		e.Use(capBody())
		return e
	}
	e := newEcho()

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

	// Every /v1 route names the scope it needs (access.Scope): an environment admin token has
	// them all, a named token those it was given.
	v1 := e.Group("/v1", s.bearer("admin", d.Config.AdminTokens, d.Config.AdminTokenNames))
	read, operate, admin := requireScope(access.ScopeReadOrders), requireScope(access.ScopeOperateOrders), requireScope(access.ScopeAdmin)
	v1.POST("/system/selftest", s.selftest, admin)
	v1.GET("/orders", s.listOrders, read)
	v1.GET("/orders/:order_id", s.getOrder, read)
	v1.GET("/orders/:order_id/stream", s.streamOrder, read)
	v1.POST("/orders/:order_id/exception/resolve", s.resolveException, operate)
	v1.GET("/orders/:order_id/notifications", s.orderNotifications, read)
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
	s.webhooks.Register(v1, requireScope(access.ScopeWebhooks))
	s.routeZapier(e, webhooks)
	v1.GET("/inbound-events", s.listInboundEvents, read)
	v1.POST("/inbound-events/:id/replay", s.replayInboundEvent, operate)
	v1.GET("/audit", s.listAudit, admin)
	s.routeTokens(v1, admin)
	s.routePrivacy(v1, admin)
	s.routeCodec(e)

	// The voice routes check their own credentials (tokens, or a platform's signature; a
	// client certificate on the mTLS listener), after the rate limit, so guessing a token is
	// slowed too. Both listeners share one limit: a client is one client on either.
	voiceLimit := rateLimit(newClientLimiter(lim.Voice, maxClients))
	env := voiceTokens(d.Config.VoiceTokens, d.Config.VoiceDriverTokens)
	tokenAuth := func(signed bool) echo.MiddlewareFunc { return s.voiceAuth(env, signed) }
	var voice []voiceMount
	if !d.Config.VoiceMTLS.Only {
		voice = append(voice, voiceMount{e.Group("/voice", voiceLimit), tokenAuth})
	}
	if m := d.Config.VoiceMTLS; m.On() {
		voiceMTLS = newEcho()
		voice = append(voice, voiceMount{voiceMTLS.Group("/voice", voiceLimit), certAuth(m, tokenAuth)})
	}
	s.routeCustomerFacing(e, voice, rateLimitWith(newClientLimiter(lim.Track, maxClients), s.trackBusy))
	s.routeLookupForm(e, rateLimitWith(newClientLimiter(lim.Lookup, maxClients), s.pageBusy))
	s.routeUnsubscribe(e, rateLimitWith(newClientLimiter(lim.Track, maxClients), s.pageBusy))
	s.console().Register(e, rateLimitWith(newClientLimiter(lim.Lookup, maxClients), s.pageBusy))
	return e, voiceMTLS
}
