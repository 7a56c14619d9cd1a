package server

import (
	"cmp"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/outbound"
)

// routeZapier mounts the Zapier integration's routes (outbound.ZapierAPI) under /zapier/v1,
// behind the Zapier API keys (SHIPFLOW_ZAPIER_API_KEYS) and nothing else: an admin token does
// not open them, and a Zapier key opens nothing but them. Its hooks are held to the same
// egress policy as every destination.
func (s *server) routeZapier(e *echo.Echo, webhooks egress.Policy) {
	cfg := s.Config
	account := cfg.Brand.Name
	if u, err := url.Parse(cfg.PublicURL); account == "" && err == nil {
		account = u.Host
	}
	g := e.Group("/zapier/v1", apiKey(zapierKeyHeader, cfg.ZapierAPIKeys))
	(&outbound.ZapierAPI{
		DB: s.DB, Policy: webhooks, Account: cmp.Or(account, "shipflow"), Secrets: s.Secrets,
		Links: outbound.FeedSettings{PublicURL: cfg.PublicURL, TrackingSecret: cfg.TrackingSecret},
	}).Register(g)
}
