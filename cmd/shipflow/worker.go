package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/retention"
	"github.com/shipflow/shipflow/worker"
)

func runWorker(ctx context.Context, args []string, e env) error {
	a, err := openApp(ctx, "worker", args, e)
	if err != nil {
		return err
	}
	defer a.close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w, err := a.startWorker(cancel, false)
	if err != nil {
		return err
	}
	defer w.Stop()

	// A worker alone has no API, but still needs to be probed and scraped.
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	a.log.Info("serving worker metrics", "addr", a.cfg.MetricsAddr)
	if err := serveHTTP(ctx, []*http.Server{newHTTPServer(a.cfg.MetricsAddr, mux)}); err != nil {
		return err
	}
	return fatalCause(ctx)
}

// fatalCause is why ctx ended, unless it ended because the user asked (Ctrl-C, SIGTERM).
func fatalCause(ctx context.Context) error {
	if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// startWorker starts polling; a fatal worker error cancels ctx with that error as its cause.
func (a *app) startWorker(cancel context.CancelCauseFunc, dev bool) (sdkworker.Worker, error) {
	n, unresolved, err := a.notifier(dev)
	if err != nil {
		return nil, err
	}
	if err := unresolved.Register(a.metrics.Registry); err != nil {
		return nil, fmt.Errorf("register the unresolved notification counter: %w", err)
	}
	alerters, tickets := a.staff()
	estimates := a.cfg.EstimateRules
	estimates.Carriers = a.carriers()
	deps := worker.Deps{
		DB: a.db, Notifier: n, Tracker: a.tracker(), Registrars: a.registrars(), Carriers: a.carriers(),
		Alerters: alerters, Tickets: tickets, TicketPublicComments: a.cfg.Zendesk.PublicComments,
		PublicURL: a.cfg.PublicURL, TrackingSecret: a.cfg.TrackingSecret, TrackingPageURL: a.cfg.Brand.PageURL,
		// Always there: orders started while estimates were on still ask for them.
		Estimates:       &estimates,
		ChannelFallback: a.cfg.ChannelFallback,
		// Runs recorded before the Escalation workflow still report exceptions this way.
		Escalator: activities.LogEscalator{Logger: a.log.With("channel", "log")},
		Webhooks:  &outbound.Sender{Policy: a.webhookPolicy(), Feeds: a.feeds(), Secrets: a.secrets},
		Secrets:   a.secrets,
		Logger:    a.log.With("component", "dispatch"),
		Metrics:   a.metrics.Registry,
		Loops:     []func(context.Context){unresolved.Run},
		Tuning:    worker.Tuning(a.cfg.Temporal.Worker),
	}
	w := worker.New(a.temporal, a.cfg.Temporal.TaskQueue, deps, func(err error) {
		cancel(fmt.Errorf("worker stopped: %w", err))
	})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker on task queue %s: %w", a.cfg.Temporal.TaskQueue, err)
	}
	a.log.Info("worker polling", "task_queue", a.cfg.Temporal.TaskQueue, "namespace", a.cfg.Temporal.Namespace)
	ctx, done := context.WithTimeout(context.Background(), scheduleTimeout)
	defer done()
	sched := retention.Schedule{Retention: a.cfg.Retention, TaskQueue: a.cfg.Temporal.TaskQueue}
	if err := retention.Ensure(ctx, a.temporal, sched); err != nil {
		w.Stop()
		return nil, err
	}
	a.log.Info("retention schedule", "schedule_id", retention.ScheduleID, "on", a.cfg.Retention.On, "every", a.cfg.Retention.Every)
	return w, nil
}

// scheduleTimeout bounds the retention schedule's creation or update at a worker's start.
const scheduleTimeout = 30 * time.Second

// feeds are the staff milestone feeds' digest window and the links their digests give.
func (a *app) feeds() outbound.FeedSettings {
	return outbound.FeedSettings{DigestWindow: a.cfg.FeedDigestWindow, PublicURL: a.cfg.PublicURL,
		TrackingPageURL: a.cfg.Brand.PageURL, TrackingSecret: a.cfg.TrackingSecret}
}

// webhookPolicy is where subscriber deliveries may go: global addresses over https, plus the
// ranges and plain http the configuration allows.
func (a *app) webhookPolicy() egress.Policy {
	return egress.Policy{Allowed: a.cfg.WebhookAllowedCIDRs, AllowHTTP: a.cfg.WebhookAllowHTTP}
}
