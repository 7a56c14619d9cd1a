package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/payload"
	"golang.org/x/sync/errgroup"
)

// Dev-mode credentials, printed in the banner. They exist so a newcomer can call the API at
// once; `serve` never invents credentials.
// devTimings are dev mode's defaults for the lifecycle's clocks.
var devTimings = map[string]time.Duration{
	"SHIPFLOW_POLL_INTERVAL": 10 * time.Second, "SHIPFLOW_STALE_AFTER": 90 * time.Second,
	"SHIPFLOW_LATE_GRACE": 30 * time.Second, "SHIPFLOW_ESCALATION_SLA": 5 * time.Minute,
	"SHIPFLOW_REVIEW_REQUEST_DELAY": 2 * time.Minute,
}

const (
	devAdminToken = "dev-admin-token"
	devVoiceToken = "dev-voice-token"
	// devDriverToken lets a developer try report_delay, which only drivers may call.
	devDriverToken = "dev-driver-token"
	// devZapierKey opens /zapier/v1, to try the Zapier integration's routes by hand.
	devZapierKey = "dev-zapier-key-0123456789abcdef"
	// Standard Webhooks secrets: "whsec_" + base64 of "shipflow-dev-commerce-secret" and
	// "shipflow-dev-carrier-secret".
	devCommerceSecret = "whsec_c2hpcGZsb3ctZGV2LWNvbW1lcmNlLXNlY3JldA=="
	devCarrierSecret  = "whsec_c2hpcGZsb3ctZGV2LWNhcnJpZXItc2VjcmV0"
)

// devTrackingSecret is the tracking-link and unsubscribe key dev mode invents.
const devTrackingSecret = "shipflow-dev-tracking-secret"

// devEnv is getenv with what dev mode invents before the configuration is checked: the
// tracking secret, without which email is refused (a developer's own SendGrid or Mailgun
// settings included).
func devEnv(getenv func(string) string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" || k != "SHIPFLOW_TRACKING_SECRET" {
			return v
		}
		return devTrackingSecret
	}
}

// devDefaults fills in the credentials dev mode invents, so that a newcomer can call the API
// and send signed webhooks at once (they are printed in the banner), and timings that let a
// whole parcel journey play out in minutes, unless the environment sets its own. `serve` never
// invents any of it.
func devDefaults(cfg *config.Config, getenv func(string) string) {
	for env, d := range map[string]*time.Duration{
		"SHIPFLOW_POLL_INTERVAL": &cfg.PollInterval, "SHIPFLOW_STALE_AFTER": &cfg.StaleAfter,
		"SHIPFLOW_LATE_GRACE": &cfg.LateGrace, "SHIPFLOW_ESCALATION_SLA": &cfg.EscalationSLA,
		"SHIPFLOW_REVIEW_REQUEST_DELAY": &cfg.ReviewRequestDelay,
	} {
		if getenv(env) == "" {
			*d = devTimings[env]
		}
	}
	if len(cfg.AdminTokens) == 0 {
		cfg.AdminTokens, cfg.AdminTokenNames = []string{devAdminToken}, []string{"dev"}
	}
	cfg.Dev = true
	if cfg.TemporalUIURL == "" {
		cfg.TemporalUIURL = fmt.Sprintf("http://localhost:%d", cfg.TemporalUIPort)
	}
	if len(cfg.VoiceTokens) == 0 {
		cfg.VoiceTokens = []string{devVoiceToken}
	}
	if len(cfg.ZapierAPIKeys) == 0 {
		cfg.ZapierAPIKeys = []string{devZapierKey}
	}
	if len(cfg.VoiceDriverTokens) == 0 {
		cfg.VoiceDriverTokens = []string{devDriverToken}
	}
	if cfg.CommerceWebhookSecret == "" {
		cfg.CommerceWebhookSecret = devCommerceSecret
	}
	if cfg.CarrierWebhookSecret == "" {
		cfg.CarrierWebhookSecret = devCarrierSecret
	}
	if getenv("SHIPFLOW_WEBHOOK_ALLOW_HTTP") == "" {
		cfg.WebhookAllowHTTP = true // local receivers such as `shipflow webhooks listen`
	}
	if getenv("SHIPFLOW_WEBHOOK_ALLOWED_CIDRS") == "" {
		// Loopback, so a developer's own receiver gets deliveries; nothing else non-global.
		cfg.WebhookAllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if len(cfg.SecretKeys) == 0 {
		cfg.SecretKeys = devSecretKeys()
	}
}

// devSecretKeys seal the secrets dev keeps in Postgres when SHIPFLOW_SECRET_KEYS is not set: a
// key everyone can read, dev's alone, which a tool run beside dev (bench deliveries) takes too.
func devSecretKeys() payload.Keys {
	sum := sha256.Sum256([]byte("shipflow-dev-secret-key"))
	k, _ := payload.NewKey("dev", sum[:])
	return payload.Keys{k}
}

// runDev brings the whole system up in one process: the Temporal dev server as a child, the
// database (created if missing) and its migrations, the worker and the HTTP API. Ctrl-C stops
// them in reverse order, the child server last.
func runDev(ctx context.Context, args []string, e env) error {
	cfg, err := config.Load("dev", args, devEnv(e.getenv))
	if err != nil {
		return err
	}
	devDefaults(cfg, e.getenv)
	var stand *standIns
	if cfg.StandIns {
		if stand, err = startStandIns(cfg, slog.New(slog.NewJSONHandler(e.stderr, nil))); err != nil {
			return err
		}
		defer stand.close()
	}
	// The dev server started here speaks plain text, whatever TLS settings the shell holds
	// for a real cluster.
	cfg.Temporal.Security = engine.Security{}
	if err := db.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	ts, err := engine.StartDevServer(ctx, engine.DevServerOptions{
		CLI: cfg.TemporalCLI, Address: cfg.Temporal.Address, Namespace: cfg.Temporal.Namespace,
		UIPort: cfg.TemporalUIPort, DataDir: cfg.DataDir,
	})
	if err != nil {
		return err
	}
	defer ts.Stop()

	a, err := connect(ctx, cfg, e)
	if err != nil {
		return err
	}
	defer a.close()
	if stand != nil {
		a.awsCreds = stand.awsCredentials()
	}
	if err := a.migrate(ctx); err != nil {
		return err
	}

	ctx, cancel := context.WithCancelCause(ctx)
	var watch errgroup.Group
	defer watch.Wait() // after cancel, which ends the watch
	defer cancel(nil)
	watch.Go(func() error {
		select {
		case <-ts.Exited():
			cancel(fmt.Errorf("temporal dev server exited; see %s", ts.Log))
		case <-ctx.Done():
		}
		return nil
	})
	w, err := a.startWorker(cancel, true)
	if err != nil {
		return err
	}
	defer w.Stop()

	servers, loops, err := a.api()
	if err != nil {
		return err
	}
	printBanner(e, cfg, ts.Log, stand)
	if err := serveHTTP(ctx, servers, loops...); err != nil {
		return err
	}
	if err := fatalCause(ctx); err != nil {
		return err
	}
	a.log.Info("shutting down")
	return nil
}

func printBanner(e env, cfg *config.Config, temporalLog string, stand *standIns) {
	api := "http://" + localAddr(cfg.HTTPAddr)
	var b strings.Builder
	fmt.Fprintf(&b, "\nshipflow dev is running\n\n")
	fmt.Fprintf(&b, "  API          %s   (readiness: %s/readyz)\n", api, api)
	fmt.Fprintf(&b, "  Console      %s/console  (sign in with the admin token)\n", api)
	fmt.Fprintf(&b, "  Admin token  %s   (curl -H 'Authorization: Bearer %s' -X POST %s/v1/system/selftest)\n", cfg.AdminTokens[0], cfg.AdminTokens[0], api)
	fmt.Fprintf(&b, "  Zapier key   %s   (curl -H 'X-API-Key: %s' %s/zapier/v1/me)\n", cfg.ZapierAPIKeys[0], cfg.ZapierAPIKeys[0], api)
	fmt.Fprintf(&b, "  Voice        %s/voice/tools  (token %s; drivers, for report_delay: %s)\n", api, cfg.VoiceTokens[0], cfg.VoiceDriverTokens[0])
	fmt.Fprintf(&b, "  Webhooks     %s/webhooks/commerce  (Standard Webhooks secret %s)\n", api, cfg.CommerceWebhookSecret)
	fmt.Fprintf(&b, "               %s/webhooks/carriers/generic  (secret %s)\n", api, cfg.CarrierWebhookSecret)
	fmt.Fprintf(&b, "  Temporal UI  http://localhost:%d/namespaces/%s/workflows\n", cfg.TemporalUIPort, cfg.Temporal.Namespace)
	fmt.Fprintf(&b, "  Temporal     %s (namespace %s, task queue %s; server log %s)\n", cfg.Temporal.Address, cfg.Temporal.Namespace, cfg.Temporal.TaskQueue, temporalLog)
	if stand != nil {
		stand.banner(&b)
	}
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop. Logs follow (JSON).\n\n")
	fmt.Fprint(e.stdout, b.String())
}

// localAddr turns a listen address such as ":8080" into one a browser can open.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
