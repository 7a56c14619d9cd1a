package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shipflow/shipflow/changes"
	"github.com/shipflow/shipflow/commerce/magento"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/relay"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/workflows"
)

func runServe(ctx context.Context, args []string, e env) error {
	a, err := openApp(ctx, "serve", args, e)
	if err != nil {
		return err
	}
	defer a.close()
	servers, loops, err := a.api()
	if err != nil {
		return err
	}
	a.log.Info("serving HTTP API", "addr", a.cfg.HTTPAddr, "version", version)
	return serveHTTP(ctx, servers, loops...)
}

// api builds the HTTP servers (the API's, and the mTLS voice listener's when it is on) and the
// loops they need running beside them: the inbox relay that forwards what it accepts, the
// change feed of its live pages, the sweep of remembered voice answers. serveHTTP runs them,
// so that they stop after the API and before the pool closes.
func (a *app) api() ([]*http.Server, []func(context.Context), error) {
	in := inbox.New(a.db)
	r := &relay.Relay{
		Inbox: in, DB: a.db, Temporal: a.temporal, TaskQueue: a.cfg.Temporal.TaskQueue,
		Settings: a.orderSettings(), Logger: a.log.With("component", "relay"),
	}
	if err := r.Register(a.metrics.Registry); err != nil {
		return nil, nil, err
	}
	feed := changes.New(a.db, a.log.With("component", "changes"))
	d := server.Deps{Config: a.cfg, DB: a.db, Temporal: a.temporal, Logger: a.log, Metrics: a.metrics, Inbox: in,
		Notifications: notify.NewLog(a.db), Changes: feed, Secrets: a.secrets}
	loops := []func(context.Context){r.Run, feed.Run, func(ctx context.Context) { server.SweepVoiceAnswers(ctx, &d) }}
	if p, err := a.magentoPoller(in); err != nil {
		return nil, nil, err
	} else if p != nil {
		loops = append(loops, p.Run)
	}
	if k := a.cfg.SendGridWebhookKey; k != "" {
		key, err := sendgrid.ParsePublicKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("SENDGRID_WEBHOOK_PUBLIC_KEY: %w", err)
		}
		d.SendGridKey = key
	}
	if k := a.cfg.Previous.SendGridWebhookKey; k != "" {
		key, err := sendgrid.ParsePublicKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("SENDGRID_WEBHOOK_PUBLIC_KEY_PREVIOUS: %w", err)
		}
		d.SendGridPreviousKey = key
	}
	if u := a.cfg.ShipEngineKeysURL; u != "" {
		d.ShipEngineKeys = signature.NewJWKS(u, &http.Client{Timeout: 5 * time.Second})
	}
	api, voice := server.NewListeners(d)
	servers := []*http.Server{newHTTPServer(a.cfg.HTTPAddr, api)}
	if voice != nil {
		m := a.cfg.VoiceMTLS
		tc, err := server.VoiceTLSConfig(m)
		if err != nil {
			return nil, nil, err
		}
		srv := newHTTPServer(m.Addr, voice)
		srv.TLSConfig = tc
		servers = append(servers, srv)
		a.log.Info("serving /voice over mTLS", "addr", m.Addr, "mode", m.Mode, "main_listener", !m.Only)
	}
	return servers, loops, nil
}

// magentoPoller is the poll of the Magento store, when one is configured, or nil. It runs in
// serve beside the relay, not in the worker: what it reads goes into the inbox exactly as a
// webhook delivery does, and the relay in the same process is woken at once by what it stores.
// The lease in Postgres makes one serve replica at a time poll.
func (a *app) magentoPoller(in *inbox.Inbox) (*magento.Poller, error) {
	c := a.cfg.Magento
	if !c.On() {
		return nil, nil
	}
	p := &magento.Poller{
		Client: magento.New(magento.Config{URL: c.URL, Token: c.AccessToken}, nil),
		Inbox:  in, DB: a.db, Interval: c.PollInterval, Logger: a.log.With("component", "magento"),
	}
	if err := p.Register(a.metrics.Registry); err != nil {
		return nil, err
	}
	a.log.Info("polling Magento", "url", c.URL, "every", c.PollInterval.String())
	return p, nil
}

// orderSettings are the timings every new order workflow starts with.
func (a *app) orderSettings() workflows.OrderSettings {
	c := a.cfg
	return workflows.OrderSettings{
		ReviewRequestDelay: c.ReviewRequestDelay, QuietHours: c.QuietHours,
		PollInterval: c.PollInterval, StaleAfter: c.StaleAfter, LateGrace: c.LateGrace, EscalationSLA: c.EscalationSLA,
		Tickets: c.TicketsOn(), AlertChannels: c.Alerts.Channels(),
		// The workers are configured alike: a provider with a key here has one there.
		RegisterParcels: len(a.registrars()) > 0,
		Steps:           order.Steps{Tell: c.NotifyMilestones, Returns: true, Contact: true},
		ReturnWatch:     c.ReturnWatch,
		Estimates:       c.Estimates, LateFromDayEnd: true,
		Daily: order.Daily{Offered: true, Default: c.DailyUpdates, Hour: c.DailyUpdateHour},
	}
}
