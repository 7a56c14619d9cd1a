package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// shipflowProcs is the shipflow under test: `shipflow dev` (which runs the Temporal dev server
// as its own child), or `serve` and `worker` against an existing Temporal. It runs as child
// processes rather than in this process so that its CPU and memory can be told apart from the
// load generator's, and so that it is started exactly as an operator starts it.
type shipflowProcs struct {
	URL      string // base URL of the HTTP API
	Temporal string // host:port of the Temporal frontend shipflow uses
	Log      string // where the children's output goes
	cmds     []*exec.Cmd
	exited   chan error // one send per child that ends
	logFile  *os.File
}

// Settings the children always get. The lifecycle's clocks are production's, not dev mode's
// minutes, so that no stale, late, escalation or review timer fires inside a run and every
// order ends the run delivered; the sim carrier's step is longer than any run, so its own
// scripted journey stays at the label scan and the load test's webhooks drive the parcel.
var fixedSettings = map[string]string{
	"SHIPFLOW_QUIET_HOURS":           "off", // a run at night must not hold messages back
	"SHIPFLOW_POLL_INTERVAL":         "30m",
	"SHIPFLOW_STALE_AFTER":           "48h",
	"SHIPFLOW_LATE_GRACE":            "12h",
	"SHIPFLOW_ESCALATION_SLA":        "24h",
	"SHIPFLOW_REVIEW_REQUEST_DELAY":  "1h",
	"SHIPFLOW_SIM_STEP":              "1h",
	"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
	"SHIPFLOW_WEBHOOK_ALLOW_HTTP":    "true",
	"SHIPFLOW_TRACKING_SECRET":       "shipflow-loadtest-tracking-secret",
	"SHIPENGINE_WEBHOOK_KEYS_URL":    "off",
	"SHIPFLOW_LOG_LEVEL":             "info",
	"SHIPFLOW_RATE_LIMIT_VOICE":      "off", // the load generator is one client at any -voice-rate
	"TWILIO_ACCOUNT_SID":             twilioAccountSID,
	"TWILIO_AUTH_TOKEN":              twilioAuthToken,
	"TWILIO_FROM":                    twilioFrom,
	"SENDGRID_API_KEY":               sendGridAPIKey,
	"SENDGRID_FROM":                  sendGridFrom,
}

// inheritedNot are prefixes of variables the children must not inherit from the operator's
// shell: a real Slack webhook or Twilio account in the environment would otherwise get the
// load test's thousands of messages.
var inheritedNot = []string{"SHIPFLOW_", "TEMPORAL_", "DATABASE_URL", "TWILIO_", "SENDGRID_", "SLACK_", "TEAMS_",
	"GOOGLE_CHAT_", "ZENDESK_", "AFTERSHIP_", "EASYPOST_", "SHIPENGINE_", "SHOPIFY_", "WOOCOMMERCE_"}

func childEnv(settings map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !slicesHasPrefix(inheritedNot, kv) {
			env = append(env, kv)
		}
	}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	return env
}

func slicesHasPrefix(prefixes []string, s string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// startShipflow starts the children and returns once the API answers /readyz and a self-test
// workflow has run through Temporal and the worker.
func startShipflow(ctx context.Context, o Options, dir, twilioURL, sendGridURL string, s Secrets) (*shipflowProcs, error) {
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	httpAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	temporalAddr := o.TemporalAddress
	if o.ownTemporal() {
		temporalAddr = "127.0.0.1:" + strconv.Itoa(ports[3])
	}
	env := childEnv(childSettings(o, dir, httpAddr, "127.0.0.1:"+strconv.Itoa(ports[1]), ports[2], temporalAddr, twilioURL, sendGridURL, s))

	logPath := filepath.Join(dir, "shipflow.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the shipflow log: %w", err)
	}
	p := &shipflowProcs{URL: "http://" + httpAddr, Temporal: temporalAddr, Log: logPath, logFile: logFile, exited: make(chan error, 3)}
	commands := [][]string{{"dev"}}
	if !o.ownTemporal() {
		// `dev` would start a Temporal of its own; against an existing one, shipflow runs as in
		// production: migrations first, then the API and the worker.
		if err := run(ctx, o.Executable, []string{"migrate"}, env, logFile); err != nil {
			logFile.Close()
			return nil, fmt.Errorf("shipflow migrate (log %s): %w", logPath, err)
		}
		commands = [][]string{{"serve"}, {"worker"}}
	}
	for _, args := range commands {
		cmd := exec.Command(o.Executable, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
		cmd.SysProcAttr = childProcAttr()
		if err := cmd.Start(); err != nil {
			p.Stop()
			return nil, fmt.Errorf("start shipflow %s: %w", args[0], err)
		}
		p.cmds = append(p.cmds, cmd)
		go func() {
			err := cmd.Wait()
			p.exited <- fmt.Errorf("shipflow %s exited (%v); see %s", args[0], err, logPath)
		}()
	}
	if err := p.waitReady(ctx, s.AdminToken); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// childSettings are the variables a child shipflow gets: the run's addresses, stand-ins and
// secrets on top of fixedSettings.
func childSettings(o Options, dir, httpAddr, metricsAddr string, uiPort int, temporalAddr, twilioURL, sendGridURL string, s Secrets) map[string]string {
	settings := map[string]string{
		"DATABASE_URL":                     o.DatabaseURL,
		"SHIPFLOW_DATA_DIR":                filepath.Join(dir, "data"),
		"SHIPFLOW_HTTP_ADDR":               httpAddr,
		"SHIPFLOW_PUBLIC_URL":              "http://" + httpAddr,
		"SHIPFLOW_METRICS_ADDR":            metricsAddr,
		"SHIPFLOW_TEMPORAL_UI_PORT":        strconv.Itoa(uiPort),
		"SHIPFLOW_TEMPORAL_CLI":            o.TemporalCLI,
		"TEMPORAL_ADDRESS":                 temporalAddr,
		"TEMPORAL_NAMESPACE":               o.TemporalNamespace,
		"SHIPFLOW_TASK_QUEUE":              o.TaskQueue,
		"TWILIO_API_URL":                   twilioURL,
		"SENDGRID_API_URL":                 sendGridURL,
		"SHIPFLOW_ADMIN_TOKENS":            s.AdminToken,
		"SHIPFLOW_VOICE_TOKENS":            s.VoiceToken,
		"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": s.CommerceWebhook,
		"SHIPFLOW_CARRIER_WEBHOOK_SECRET":  s.CarrierWebhook,
	}
	for k, v := range fixedSettings {
		settings[k] = v
	}
	return settings
}

// run runs a short-lived shipflow command to completion.
func run(ctx context.Context, exe string, args, env []string, out *os.File) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
	cmd.SysProcAttr = childProcAttr()
	return cmd.Run()
}

// waitReady polls /readyz, then runs the self-test, which /readyz alone cannot stand for: it
// proves a worker polls the task queue and reaches Postgres.
func (p *shipflowProcs) waitReady(ctx context.Context, adminToken string) error {
	c := &http.Client{Timeout: 15 * time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := c.Get(p.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("shipflow not ready at %s/readyz within 2 minutes; see %s", p.URL, p.Log)
		}
		select {
		case err := <-p.exited:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/v1/system/selftest", nil)
	if err != nil {
		return fmt.Errorf("self-test request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("shipflow self-test: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("shipflow self-test answered %d; see %s", resp.StatusCode, p.Log)
	}
	return nil
}

// PIDs are the children's process ids, the roots of the tree whose CPU and memory count.
func (p *shipflowProcs) PIDs() []int {
	var pids []int
	for _, c := range p.cmds {
		pids = append(pids, c.Process.Pid)
	}
	return pids
}

// Exited reports a child that ended on its own: the run cannot go on without it.
func (p *shipflowProcs) Exited() <-chan error { return p.exited }

// Stop asks each child to shut down as Ctrl-C would (dev then stops its Temporal server
// itself) and kills its process group if it has not within 20 seconds.
func (p *shipflowProcs) Stop() {
	for _, c := range p.cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, c := range p.cmds {
		for processAlive(c.Process.Pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if processAlive(c.Process.Pid) {
			_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the Wait goroutines reap them
	p.logFile.Close()
}

// processAlive reports whether pid still runs (a zombie waiting to be reaped does not).
func processAlive(pid int) bool {
	st, err := readStatState(pid)
	return err == nil && st != "Z"
}

func readStatState(pid int) (string, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", err
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) == 0 {
		return "", errors.New("unreadable stat")
	}
	return f[0], nil
}

// freePorts asks the kernel for n distinct free loopback ports. They are released before
// shipflow binds them; on a machine that hands out ports in sequence nobody takes one in
// between.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
