package server

import (
	"cmp"
	"fmt"

	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/tracklink"
)

// console is the operations console, opened by the admin tokens and by named tokens. Its sign-in form is rate
// limited as the tracking page's lookup form is: both are guessed at by strangers.
func (s *server) console() *console.Console {
	cfg := s.Config
	tokens := make([]console.Token, len(cfg.AdminTokens))
	for i, t := range cfg.AdminTokens {
		tokens[i] = console.Token{Secret: t, Name: fmt.Sprintf("admin-%d", i+1)}
		if i < len(cfg.AdminTokenNames) {
			tokens[i].Name = cfg.AdminTokenNames[i]
		}
	}
	con := &console.Console{
		DB: s.DB, Temporal: s.Temporal, Logger: s.Logger.With("component", "console"), Tokens: tokens,
		Secure: !cfg.Dev, TemporalUI: cfg.TemporalUIURL, Namespace: cfg.Temporal.Namespace, Now: s.Clock,
		SLA: cfg.EscalationSLA, Webhooks: s.webhooks, Inbox: s.Inbox,
	}
	if base := cmp.Or(cfg.Brand.PageURL, cfg.PublicURL); base != "" && cfg.TrackingSecret != "" {
		con.TrackingLink = func(orderID string) string { return tracklink.URL(base, cfg.TrackingSecret, orderID) }
	}
	return con
}
