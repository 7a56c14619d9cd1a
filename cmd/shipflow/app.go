package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/telemetry"
)

// dialTimeout bounds how long start-up waits for Temporal before giving up with one line. A
// variable so tests of that line need not wait the full ten seconds.
var dialTimeout = 10 * time.Second

// app is what every long-running command opens at start: configuration, logs, metrics and
// connections to Postgres and Temporal.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	metrics  *telemetry.Metrics
	db       *pgxpool.Pool
	temporal client.Client
	pprof    *http.Server // nil unless SHIPFLOW_PPROF_ADDR is set
	// awsCreds sign SNS requests; nil is the AWS SDK's standard chain (dev's stand-ins set
	// their own).
	awsCreds aws.CredentialsProvider
	// secrets seal and open the secrets kept in Postgres (SHIPFLOW_SECRET_KEYS); nil without keys.
	secrets *payload.Codec
}

func openApp(ctx context.Context, name string, args []string, e env) (*app, error) {
	cfg, err := config.Load(name, args, e.getenv)
	if err != nil {
		return nil, err
	}
	return connect(ctx, cfg, e)
}

// openAppFlags is openApp for a command with flags of its own in fs.
func openAppFlags(ctx context.Context, fs *flag.FlagSet, args []string, e env) (*app, error) {
	cfg, err := config.LoadFlags(fs, args, e.getenv)
	if err != nil {
		return nil, err
	}
	return connect(ctx, cfg, e)
}

func connect(ctx context.Context, cfg *config.Config, e env) (*app, error) {
	a := &app{cfg: cfg, log: telemetry.NewLogger(e.stderr, cfg.LogLevel)}
	for _, p := range cfg.Providers() {
		if p.On {
			a.log.Info("provider on", "provider", p.Name)
		} else {
			a.log.Info("provider off: no credentials", "provider", p.Name, "set", p.Need)
		}
	}
	dc, err := payload.DataConverter(cfg.PayloadKeys)
	if err != nil {
		return nil, err
	}
	if len(cfg.PayloadKeys) > 0 {
		a.log.Info("temporal payloads encrypted", "key_id", cfg.PayloadKeys[0].ID, "keys", len(cfg.PayloadKeys))
	} else {
		a.log.Info("temporal payloads in clear text: no keys", "set", "SHIPFLOW_PAYLOAD_KEYS")
	}
	if a.secrets, err = cfg.SecretCodec(); err != nil {
		return nil, err
	}
	if a.secrets == nil {
		a.log.Info("no destination can be saved: no keys to seal its secrets", "set", "SHIPFLOW_SECRET_KEYS")
	}
	if a.metrics, err = telemetry.NewMetrics(); err != nil {
		return nil, err
	}
	if a.db, err = db.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	a.temporal, err = engine.Dial(ctx, engine.Options{
		Address: cfg.Temporal.Address, Namespace: cfg.Temporal.Namespace, Security: cfg.Temporal.Security,
		Logger: a.log.With("component", "temporal"), Metrics: a.metrics.Temporal,
		DataConverter: dc,
	}, dialTimeout)
	if err != nil {
		a.db.Close()
		return nil, err
	}
	if cfg.PprofAddr != "" {
		a.pprof = servePprof(cfg.PprofAddr, a.log)
	}
	return a, nil
}

func (a *app) close() {
	if a.pprof != nil {
		a.pprof.Close()
	}
	a.temporal.Close()
	a.db.Close()
}

// servePprof serves Go's profiler on addr, for a CPU profile or a heap of a running process
// (`go tool pprof http://addr/debug/pprof/profile?seconds=60`). A profiler that cannot listen
// is logged, not fatal: it is a diagnosis aid, not part of the service.
func servePprof(addr string, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Error("profiler not served", "addr", addr, "err", err)
		}
	}()
	log.Warn("serving Go's profiler: no authentication, keep it on loopback", "addr", addr)
	return srv
}

// serveHTTP runs the servers (one with a TLSConfig over TLS), and the loops the handlers rely
// on (the inbox relay, the change feed), until ctx ends or one of them fails, and returns only
// once every goroutine it started has ended: a loop left running would outlive the pool the
// caller closes next. Shutdown goes in order: the servers stop accepting and drain in-flight
// requests for up to ten seconds, and only then are the loops stopped, so that a request
// draining still has them. Long-lived streams (SSE) see their request context end at once, so
// they do not hold the drain up.
func serveHTTP(ctx context.Context, servers []*http.Server, loops ...func(context.Context)) error {
	base, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLoops()
	g, gctx := errgroup.WithContext(ctx)
	for _, run := range loops {
		g.Go(func() error {
			run(loopCtx)
			return nil
		})
	}
	for _, srv := range servers {
		srv.BaseContext = func(net.Listener) context.Context { return base }
		g.Go(func() error {
			var err error
			if srv.TLSConfig != nil {
				err = srv.ListenAndServeTLS("", "") // the certificate is in TLSConfig
			} else {
				err = srv.ListenAndServe()
			}
			if !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("listen on %s: %w", srv.Addr, err)
			}
			return nil
		})
	}
	g.Go(func() error {
		defer stopLoops()
		<-gctx.Done()
		endStreams()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var errs []error
		for _, srv := range servers {
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, fmt.Errorf("shut down %s: %w", srv.Addr, err))
			}
		}
		return errors.Join(errs...)
	})
	return g.Wait()
}

func newHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Long enough for SSE streams to be written to by their own handlers' keep-alives.
		WriteTimeout: 0,
		IdleTimeout:  2 * time.Minute,
	}
}
