package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shipflow/shipflow/loadtest"
)

// runLoadtest drives orders through the whole journey against a shipflow it starts itself and
// compares the figures with the bare engine's (package loadtest says how). It lives here, not
// in the package, because the child it runs is this very binary and the credentials it signs
// with are dev mode's.
func runLoadtest(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "faults" {
		return runLoadtestFaults(ctx, args[1:], e)
	}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	orders := fs.Int("orders", 2000, "orders to drive from order.created to delivered (7 events each)")
	rate := fs.Float64("rate", 0, "events per second across all orders; 0 sends each as soon as the last was acknowledged")
	concurrency := fs.Int("concurrency", 32, "orders in flight at once")
	voiceRate := fs.Float64("voice-rate", 20, "voice lookups per second during the journey")
	voiceConcurrency := fs.Int("voice-concurrency", loadtest.DefaultVoiceConcurrency, "voice lookups in flight at once, at most (issue 18's voice target is stated at 8)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	temporalAddr := fs.String("temporal-address", "", "use the Temporal server at `host:port` (shipflow then runs as migrate, serve and worker); default: shipflow dev starts its own")
	namespace := fs.String("temporal-namespace", "default", "Temporal namespace")
	databaseURL := fs.String("database-url", "postgres://postgres@127.0.0.1:5432/shipflow_loadtest?sslmode=disable",
		"the run's own database, dropped and recreated at start and dropped at the end (its name must contain loadtest)")
	cli := fs.String("temporal-cli", orDefault(e.getenv("SHIPFLOW_TEMPORAL_CLI"), "bin/temporal"), "`path` of the temporal CLI that shipflow dev runs")
	keep := fs.Bool("keep", false, "keep the database and the run's directory (Temporal data, logs), and on an existing Temporal the orders")
	settle := fs.Duration("settle", 5*time.Minute, "how long each wait for shipflow to catch up may take")
	enginePhase := fs.Duration("engine-phase", 3*time.Second, "length of each bare-engine measure")
	window := fs.Duration("window", 0, "also report the figures per window of this length (a soak's default: a 24th of it, at least a minute)")
	replicas := fs.Int("replicas", 0, "run shipflow as this many serve and worker processes (and migrate this many at once) against one Temporal dev server of the run's own (or -temporal-address) and one Postgres, the load spread over the API replicas")
	kill := fs.Bool("kill-replica", false, "with -replicas 2 or more, kill the last serve and the last worker (SIGKILL) partway through and leave them dead")
	pprofAddr := fs.String("pprof-addr", "", "serve the shipflow process's profiler on this `host:port` (SHIPFLOW_PPROF_ADDR), for a CPU profile under load; not with -replicas")
	soak := fs.Duration("soak", 0, "soak for about this long instead: -orders follows from it and -rate (10 events/s unless set), against the same processes throughout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var poll time.Duration
	if *soak > 0 {
		// A soak holds the load steady for hours against one set of processes, so that memory,
		// history sizes and latency that drift show in the progress line (rss) and the report.
		if *rate <= 0 {
			*rate = 10
		}
		*orders = max(1, int(soak.Seconds()**rate/7))
		*settle = max(*settle, 30*time.Minute)
		if *window == 0 {
			*window = max(time.Minute, *soak/24)
		}
		// Each progress reading counts the run's rows; tens of thousands of orders make four a
		// second a load of their own.
		poll = 5 * time.Second
		fmt.Fprintf(e.stdout, "soak: %d orders at %.0f events/s, about %s\n", *orders, *rate, soak.Round(time.Minute))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadtest: unexpected argument %q", fs.Arg(0))
	}
	exe, cliPath, err := loadtestPaths(*cli)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Orders: *orders, Rate: *rate, Concurrency: *concurrency, VoiceRate: *voiceRate, VoiceConcurrency: *voiceConcurrency,
		TemporalAddress: *temporalAddr, TemporalNamespace: *namespace, TemporalCLI: cliPath, DatabaseURL: *databaseURL,
		Executable: exe, Keep: *keep, Settle: *settle, EnginePhase: *enginePhase, Window: *window, Poll: poll, Out: e.stdout,
		Replicas: *replicas, KillReplica: *kill, Secrets: loadtestSecrets, PprofAddr: *pprofAddr,
	})
	if err != nil {
		return err
	}
	rep.WriteTable(e.stdout)
	if *jsonOut != "" {
		if err := rep.WriteJSON(*jsonOut); err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("loadtest: %d checks failed: %s", len(rep.Problems), strings.Join(rep.Problems, "; "))
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// runLoadtestFaults runs the fault suite (package loadtest, faults.go): orders flow while the
// worker and API server are killed, Postgres crashes, Temporal stops and Twilio fails, then
// every order, event, message and delivery is checked. `go test ./loadtest -run TestFaults`
// runs the short form in CI; this runs either form against this very binary.
func runLoadtestFaults(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("loadtest faults", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	long := fs.Bool("long", false, "the long form: a minute of Twilio failing, outages of 10-30 s, and 200 orders unless -orders says otherwise")
	orders := fs.Int("orders", 0, "orders to drive (default 40, or 200 with -long)")
	rate := fs.Float64("rate", 4, "events per second across all orders: slow enough that the faults land mid-journey")
	concurrency := fs.Int("concurrency", 8, "orders in flight at once")
	cli := fs.String("temporal-cli", orDefault(e.getenv("SHIPFLOW_TEMPORAL_CLI"), "bin/temporal"), "`path` of the temporal CLI whose dev server the run stops and restarts")
	keep := fs.Bool("keep", false, "keep the run's directory (logs, Temporal data) and the private Postgres cluster")
	settle := fs.Duration("settle", 4*time.Minute, "how long each wait for shipflow to catch up may take")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadtest faults: unexpected argument %q", fs.Arg(0))
	}
	if *orders == 0 && *long {
		*orders = 200
	}
	exe, cliPath, err := loadtestPaths(*cli)
	if err != nil {
		return fmt.Errorf("loadtest faults: %w", err)
	}
	rep, err := loadtest.RunFaults(ctx, loadtest.FaultOptions{
		Orders: *orders, Rate: *rate, Concurrency: *concurrency, Long: *long, TemporalCLI: cliPath,
		Executable: exe, Keep: *keep, Settle: *settle, Out: e.stdout,
		Secrets: loadtestSecrets,
	})
	if err != nil {
		return err
	}
	rep.WriteText(e.stdout)
	if *jsonOut != "" {
		if err := rep.WriteJSON(*jsonOut); err != nil {
			return fmt.Errorf("loadtest faults: %w", err)
		}
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("loadtest faults: %d problems found", len(rep.Problems))
	}
	return nil
}

// loadtestSecrets are dev's, since the children run with dev's configuration.
var loadtestSecrets = loadtest.Secrets{
	CommerceWebhook: devCommerceSecret, CarrierWebhook: devCarrierSecret,
	AdminToken: devAdminToken, VoiceToken: devVoiceToken,
}

// loadtestPaths finds this binary, which the run starts as shipflow's processes, and the
// temporal CLI's absolute path, since the children run in a directory of their own.
func loadtestPaths(cli string) (exe, cliPath string, err error) {
	exe, err = os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("find this binary to run it as shipflow: %w", err)
	}
	cliPath, err = filepath.Abs(cli)
	if err != nil {
		return "", "", fmt.Errorf("-temporal-cli: %w", err)
	}
	return exe, cliPath, nil
}
