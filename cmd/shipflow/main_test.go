package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/worker"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testEnv is a process environment made only of vars, so tests never inherit the machine's.
func testEnv(t *testing.T, vars map[string]string) env {
	w := logWriter{t}
	return env{getenv: func(k string) string { return vars[k] }, stdout: w, stderr: w}
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// start runs a shipflow command in the background as `shipflow <args>` would, and returns a
// function that sends it Ctrl-C and waits for it to exit cleanly.
func start(t *testing.T, e env, args ...string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, e) }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("shipflow %s exited with: %v", args[0], err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("shipflow %s did not stop within 30s of Ctrl-C", args[0])
		}
	}
	t.Cleanup(stop)
	return stop
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls url until it answers want or the timeout passes.
func waitFor(t *testing.T, url string, want int, timeout time.Duration) {
	t.Helper()
	last := "no answer"
	testenv.Eventually(t, timeout, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			last = err.Error()
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		return resp.StatusCode == want
	}, "%s did not answer %d; last: %s", url, want, testenv.Last(&last))
}

func call(t *testing.T, method, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s %s: decode body: %v", method, url, err)
	}
	return resp.StatusCode, body
}

func TestServeAndWorkerRunAWorkflowThroughHTTP(t *testing.T) {
	httpAddr, metricsAddr := freeAddr(t), freeAddr(t)
	e := testEnv(t, map[string]string{
		"DATABASE_URL":          testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":      testenv.TemporalAddress(t),
		"SHIPFLOW_TASK_QUEUE":   testenv.TaskQueue(t),
		"SHIPFLOW_HTTP_ADDR":    httpAddr,
		"SHIPFLOW_METRICS_ADDR": metricsAddr,
		"SHIPFLOW_ADMIN_TOKENS": "ops-token, second-token",
	})
	if err := run(context.Background(), []string{"migrate"}, e); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	// Twice, as a second replica would: nothing left to do is not an error.
	if err := run(context.Background(), []string{"migrate"}, e); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	stopServe := start(t, e, "serve")
	stopWorker := start(t, e, "worker")
	base := "http://" + httpAddr
	waitFor(t, base+"/readyz", http.StatusOK, 15*time.Second)

	status, body := call(t, http.MethodPost, base+"/v1/system/selftest", "second-token")
	if status != http.StatusOK {
		t.Fatalf("selftest: %d %v", status, body)
	}
	result := body["result"].(map[string]any)
	if v := result["database"].(map[string]any)["schema_version"].(float64); v < 1 {
		t.Errorf("selftest saw schema version %v, want the migrated one", v)
	}
	if result["worker"] != testenv.TaskQueue(t) {
		t.Errorf("selftest ran on %v, want our task queue", result["worker"])
	}

	if status, _ := call(t, http.MethodPost, base+"/v1/system/selftest", "wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", status)
	}
	waitFor(t, "http://"+metricsAddr+"/healthz", http.StatusOK, 5*time.Second)
	for _, url := range []string{base + "/metrics", "http://" + metricsAddr + "/metrics"} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "temporal_") {
			t.Errorf("%s has no Temporal SDK metrics", url)
		}
	}
	stopWorker()
	stopServe()
}

func TestReadyzTurnsRedWhenPostgresIsUnreachable(t *testing.T) {
	pg := testenv.NewProxy(t, "127.0.0.1:5432")
	dbURL := strings.Replace(testenv.DatabaseURL(t), "127.0.0.1:5432", pg.Addr(), 1)
	httpAddr := freeAddr(t)
	e := testEnv(t, map[string]string{
		"DATABASE_URL":       dbURL,
		"TEMPORAL_ADDRESS":   testenv.TemporalAddress(t),
		"SHIPFLOW_HTTP_ADDR": httpAddr,
	})
	start(t, e, "serve")
	base := "http://" + httpAddr
	waitFor(t, base+"/readyz", http.StatusOK, 15*time.Second)

	pg.Cut()
	waitFor(t, base+"/readyz", http.StatusServiceUnavailable, 10*time.Second) // a round of checks answers for a second
	status, body := call(t, http.MethodGet, base+"/readyz", "")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with Postgres cut: %d %v, want 503", status, body)
	}
	checks := body["checks"].(map[string]any)
	if checks["postgres"] != "unavailable" {
		t.Errorf("postgres check = %v, want unavailable (and no internals: they go to the log)", checks["postgres"])
	}
	if checks["temporal"] != "ok" {
		t.Errorf("temporal check = %v, want ok", checks["temporal"])
	}
	if status, _ := call(t, http.MethodGet, base+"/healthz", ""); status != http.StatusOK {
		t.Errorf("healthz = %d: the process is alive even when Postgres is not", status)
	}
}

// devSystem is `shipflow dev` running in the test's process on free ports, with a database that
// did not exist before.
type devSystem struct {
	vars                             map[string]string
	base, temporalAddr, uiAddr, data string
	stop                             func()
}

func startDev(t *testing.T, extra map[string]string) *devSystem {
	t.Helper()
	cli, err := testenv.CLI()
	if err != nil {
		t.Fatal(err)
	}
	httpAddr, temporalAddr, uiAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	_, uiPort, _ := net.SplitHostPort(uiAddr)
	d := &devSystem{base: "http://" + httpAddr, temporalAddr: temporalAddr, uiAddr: uiAddr, data: t.TempDir()}
	d.vars = map[string]string{
		"DATABASE_URL":              testenv.NewDatabaseURL(t), // does not exist yet: dev creates it
		"TEMPORAL_ADDRESS":          temporalAddr,
		"SHIPFLOW_HTTP_ADDR":        httpAddr,
		"SHIPFLOW_TEMPORAL_UI_PORT": uiPort,
		"SHIPFLOW_DATA_DIR":         d.data,
		"SHIPFLOW_TEMPORAL_CLI":     cli,
	}
	for k, v := range extra {
		d.vars[k] = v
	}
	d.stop = start(t, testEnv(t, d.vars), "dev")
	waitFor(t, d.base+"/readyz", http.StatusOK, 90*time.Second)
	return d
}

func TestDevRunsEverythingAndStopsCleanly(t *testing.T) {
	d := startDev(t, nil)
	base, temporalAddr, uiAddr, dataDir, stop := d.base, d.temporalAddr, d.uiAddr, d.data, d.stop
	if status, body := call(t, http.MethodPost, base+"/v1/system/selftest", devAdminToken); status != http.StatusOK {
		t.Fatalf("selftest in dev: %d %v", status, body)
	}
	waitFor(t, "http://"+uiAddr+"/", http.StatusOK, 30*time.Second)

	stop() // Ctrl-C
	if c, err := net.DialTimeout("tcp", temporalAddr, time.Second); err == nil {
		c.Close()
		t.Errorf("temporal dev server still listening on %s after dev stopped", temporalAddr)
	}
	if out, err := exec.Command("pgrep", "-f", dataDir).Output(); err == nil {
		t.Errorf("processes left behind: %s", out)
	}
}

// TestDemoOrdersReachTheirStates runs `shipflow demo` against `shipflow dev -standins`, with
// the sim carrier and the lifecycle's clocks sped up so that every journey plays out in
// seconds, and the messages sent through the providers' stand-ins rather than the log channel.
func TestDemoOrdersReachTheirStates(t *testing.T) {
	d := startDev(t, map[string]string{
		"SHIPFLOW_SIM_STEP": "1s", "SHIPFLOW_POLL_INTERVAL": "1s", "SHIPFLOW_STALE_AFTER": "6s",
		"SHIPFLOW_LATE_GRACE": "1h", "SHIPFLOW_QUIET_HOURS": "off", "SHIPFLOW_STANDINS": "true",
	})
	vars := map[string]string{}
	for k, v := range d.vars {
		vars[k] = v
	}
	if err := run(context.Background(), []string{"demo", "-url", d.base, "-timeout", "2m"}, testEnv(t, vars)); err != nil {
		t.Fatalf("demo: %v", err)
	}
	_, page := call(t, http.MethodGet, d.base+"/v1/orders?limit=10", devAdminToken)
	orders, _ := page["orders"].([]any)
	providers := map[string]int{}
	for _, o := range orders {
		id, _ := o.(map[string]any)["order_id"].(string)
		_, log := call(t, http.MethodGet, d.base+"/v1/orders/"+id+"/notifications", devAdminToken)
		entries, _ := log["notifications"].([]any)
		for _, e := range entries {
			m := e.(map[string]any)
			if m["status"] == "sent" {
				providers[fmt.Sprint(m["channel"], " via ", m["provider"])]++
			}
		}
	}
	if providers["sms via twilio"] == 0 || providers["email via sendgrid"] == 0 || len(providers) != 2 {
		t.Errorf("sent: %v; want the demo's texts through the Twilio stand-in and emails through SendGrid's, nothing else", providers)
	}
}

func TestBadConfigurationEndsStartupWithOneClearLine(t *testing.T) {
	dialTimeout = time.Second
	t.Cleanup(func() { dialTimeout = 10 * time.Second })
	closed := freeAddr(t) // nothing listens there once freeAddr returns
	cert, _ := testenv.NewCA(t, "test CA").Client(t, "worker").Write(t, t.TempDir(), "client")
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unparsable database url", map[string]string{"DATABASE_URL": "postgres://u:p@[::1"}, "DATABASE_URL"},
		{"bad duration", map[string]string{"SHIPFLOW_POLL_INTERVAL": "5x"}, `SHIPFLOW_POLL_INTERVAL (-poll-interval): "5x" is not a duration`},
		{"negative duration", map[string]string{"SHIPFLOW_VOICE_DEADLINE": "-1s"}, "SHIPFLOW_VOICE_DEADLINE"},
		{"bad address", map[string]string{"SHIPFLOW_HTTP_ADDR": "8080"}, "SHIPFLOW_HTTP_ADDR"},
		{"bad secret", map[string]string{"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": "hunter2"}, "SHIPFLOW_COMMERCE_WEBHOOK_SECRET: must start with whsec_"},
		{"email without the tracking secret", map[string]string{"SENDGRID_API_KEY": "SG.x", "SENDGRID_FROM": "shop@store.example"},
			"SHIPFLOW_TRACKING_SECRET: email goes out through SendGrid but no tracking secret is set"},
		{"postgres unreachable", map[string]string{"DATABASE_URL": "postgres://postgres@" + closed + "/x"}, "unreachable: connection refused"},
		{"temporal unreachable", map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "TEMPORAL_ADDRESS": closed}, "temporal at " + closed + " (namespace default, plain text) is unreachable"},
		{"client certificate without its key", map[string]string{"TEMPORAL_TLS_CERT": cert}, "TEMPORAL_TLS_CERT: is set but TEMPORAL_TLS_KEY is not"},
		{"temporal over TLS unreachable", map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "TEMPORAL_ADDRESS": closed, "TEMPORAL_API_KEY": "k"},
			"temporal at " + closed + " (namespace default, TLS) is unreachable: TLS handshake: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), []string{"serve"}, testEnv(t, tt.vars))
			if err == nil {
				t.Fatal("serve started with bad configuration")
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error = %q, want one line containing %q", msg, tt.want)
			}
			if errors.Is(err, context.Canceled) {
				t.Errorf("error is a cancellation, not a configuration error")
			}
		})
	}
}

// TestDevInventsTheTrackingSecret: dev mode invents the tracking secret before the
// configuration is checked, so a developer's own email settings start without one, and the
// developer's own secret wins.
func TestDevInventsTheTrackingSecret(t *testing.T) {
	env := map[string]string{"MAILGUN_API_KEY": "key-x", "MAILGUN_DOMAIN": "mg.store.example", "MAILGUN_FROM": "shop@mg.store.example"}
	getenv := func(k string) string { return env[k] }
	cfg, err := config.Load("dev", nil, devEnv(getenv))
	if err != nil || cfg.TrackingSecret != devTrackingSecret {
		t.Fatalf("dev with Mailgun: %v, secret %q", err, cfg.TrackingSecret)
	}
	env["SHIPFLOW_TRACKING_SECRET"] = "mine"
	if cfg, err = config.Load("dev", nil, devEnv(getenv)); err != nil || cfg.TrackingSecret != "mine" {
		t.Errorf("dev with its own secret: %v, secret %q", err, cfg.TrackingSecret)
	}
}

// TestWorkerTuningDefaultsAreTheWorkers keeps the settings' defaults (config) and the measured
// defaults worker.New falls back to in step.
func TestWorkerTuningDefaultsAreTheWorkers(t *testing.T) {
	cfg, err := config.Load("worker", nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got := worker.Tuning(cfg.Temporal.Worker); got != worker.DefaultTuning {
		t.Errorf("config defaults %+v, worker defaults %+v", got, worker.DefaultTuning)
	}
}
