package loadtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// shipflowProcs is the shipflow under test: `shipflow dev` (which runs the Temporal dev server
// as its own child), or `serve` and `worker` against an existing Temporal, or, with replicas,
// a Temporal dev server of the run's own and that many `serve` and `worker` processes. It runs
// as child processes rather than in this process so that its CPU and memory can be told apart
// from the load generator's, and so that it is started exactly as an operator starts it.
type shipflowProcs struct {
	URL      string   // base URL of the HTTP API (the first replica's)
	URLs     []string // every API replica's base URL
	Temporal string   // host:port of the Temporal frontend shipflow uses
	Log      string   // where the children's output goes (a directory's worth with replicas)
	// Migrations are the `migrate` processes run at once before the replicas started, each of
	// which exited 0: goose's advisory lock lets one apply and the others find nothing to do.
	Migrations int
	children   []*child
	exited     chan error // one send per child that ends without being killed
	logs       []*os.File
	temporal   *temporalServer // the run's own dev server, with replicas
	// temporalPID is that server's process, whose CPU and memory count with shipflow's, as
	// they do when `shipflow dev` runs the server as its child.
	temporalPID int
}

// child is one shipflow process.
type child struct {
	name   string // "dev", "serve 2", "worker 1"...
	cmd    *exec.Cmd
	log    string
	killed atomic.Bool // the run killed it: its exit is no failure
}

// loadtestSecretKey seals the secrets the run's children keep in Postgres: a key of the run's
// own, as everyone can read it.
var loadtestSecretKey = sha256.Sum256([]byte("shipflow-loadtest-secret-key"))

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
	"SHIPFLOW_SECRET_KEYS":           "loadtest:" + base64.StdEncoding.EncodeToString(loadtestSecretKey[:]), // the subscriber's secret is sealed
	"SHIPENGINE_WEBHOOK_KEYS_URL":    "off",
	"SHIPFLOW_LOG_LEVEL":             "info",
	"SHIPFLOW_RATE_LIMIT_VOICE":      "off", // the load generator is one client at any -voice-rate
	"TWILIO_ACCOUNT_SID":             twilioAccountSID,
	"TWILIO_AUTH_TOKEN":              twilioAuthToken,
	"TWILIO_FROM":                    twilioFrom,
	"SENDGRID_API_KEY":               sendGridAPIKey,
	"SENDGRID_FROM":                  sendGridFrom,
	"MAILGUN_API_KEY":                mailgunAPIKey,
	"MAILGUN_DOMAIN":                 mailgunDomain,
	"MAILGUN_FROM":                   mailgunFrom,
}

// inheritedNot are prefixes of variables the children must not inherit from the operator's
// shell: a real Slack webhook or Twilio account in the environment would otherwise get the
// load test's thousands of messages.
var inheritedNot = []string{"SHIPFLOW_", "TEMPORAL_", "DATABASE_URL", "TWILIO_", "SENDGRID_", "SLACK_", "TEAMS_",
	"GOOGLE_CHAT_", "ZENDESK_", "FRESHDESK_", "MAILGUN_", "SNS_", "AWS_", "AFTERSHIP_", "EASYPOST_", "SHIPENGINE_", "SHOPIFY_", "WOOCOMMERCE_"}

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
func startShipflow(ctx context.Context, o Options, dir string, urls providerURLs, s Secrets) (*shipflowProcs, error) {
	n := max(o.Replicas, 1)
	ports, err := freePorts(2 + 2*n) // Temporal, its UI, then each serve's HTTP and each worker's metrics
	if err != nil {
		return nil, err
	}
	addr := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	temporalAddr := o.TemporalAddress
	if temporalAddr == "" {
		temporalAddr = addr(ports[0])
	}
	p := &shipflowProcs{Temporal: temporalAddr, Log: filepath.Join(dir, "shipflow.log"), exited: make(chan error, 2*n+1)}
	for i := range n {
		p.URLs = append(p.URLs, "http://"+addr(ports[2+i]))
	}
	p.URL = p.URLs[0]
	// Every replica gets the same settings but its own listening addresses; the public URL is
	// the first replica's, as it would be the load balancer's.
	envFor := func(httpPort, metricsPort int) []string {
		settings := childSettings(o, dir, addr(httpPort), addr(metricsPort), ports[1], temporalAddr, urls, s)
		settings["SHIPFLOW_PUBLIC_URL"] = p.URL
		return childEnv(settings)
	}
	type proc struct {
		name string
		args []string
		env  []string
		log  string
	}
	var procs []proc
	switch {
	case o.Replicas > 0:
		if o.ownTemporal() {
			// Its own process rather than inside `shipflow dev`, so that the replicas are
			// separate processes against it, as against any Temporal cluster.
			if p.temporal, err = startTemporalServer(ctx, o.TemporalCLI, filepath.Join(dir, "temporal"), temporalAddr); err != nil {
				return nil, err
			}
			p.temporalPID = childNamed(filepath.Base(o.TemporalCLI))
		}
		p.Log = filepath.Join(dir, "shipflow-*.log")
		if err := p.migrate(ctx, o, dir, n, envFor(ports[2], ports[2+n])); err != nil {
			p.Stop()
			return nil, err
		}
		for i := range n {
			procs = append(procs, proc{fmt.Sprintf("serve %d", i+1), []string{"serve"}, envFor(ports[2+i], ports[2+n+i]),
				filepath.Join(dir, fmt.Sprintf("shipflow-serve-%d.log", i+1))})
		}
		for i := range n {
			procs = append(procs, proc{fmt.Sprintf("worker %d", i+1), []string{"worker"}, envFor(ports[2], ports[2+n+i]),
				filepath.Join(dir, fmt.Sprintf("shipflow-worker-%d.log", i+1))})
		}
	case o.ownTemporal():
		procs = []proc{{"dev", []string{"dev"}, envFor(ports[2], ports[3]), p.Log}}
	default:
		// `dev` would start a Temporal of its own; against an existing one, shipflow runs as in
		// production: migrations first, then the API and the worker.
		env := envFor(ports[2], ports[3])
		if err := p.migrate(ctx, o, dir, 1, env); err != nil {
			return nil, err
		}
		procs = []proc{{"serve", []string{"serve"}, env, p.Log}, {"worker", []string{"worker"}, env, p.Log}}
	}
	for _, pr := range procs {
		if err := p.start(o.Executable, pr.name, pr.args, pr.env, pr.log); err != nil {
			p.Stop()
			return nil, err
		}
	}
	if err := p.waitReady(ctx, s.AdminToken); err != nil {
		p.Stop()
		return nil, err
	}
	if o.Replicas > 0 {
		for i := range n { // the self-test reached one worker; each must serve its health check
			if err := waitCtx(ctx, 2*time.Minute, answers200("http://"+addr(ports[2+n+i])+"/healthz")); err != nil {
				p.Stop()
				return nil, fmt.Errorf("shipflow worker %d not healthy: %w", i+1, err)
			}
		}
	}
	return p, nil
}

// migrate runs n `shipflow migrate` at once and fails unless every one succeeds.
func (p *shipflowProcs) migrate(ctx context.Context, o Options, dir string, n int, env []string) error {
	errs := make(chan error, n)
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("shipflow-migrate-%d.log", i+1))
		if n == 1 {
			path = p.Log
		}
		f, err := p.openLog(path) // here, not in the goroutine: p.logs is not shared
		if err != nil {
			return err
		}
		go func() {
			if err := run(ctx, o.Executable, []string{"migrate"}, env, f); err != nil {
				errs <- fmt.Errorf("shipflow migrate (log %s): %w", path, err)
				return
			}
			errs <- nil
		}()
	}
	var all []error
	for range n {
		all = append(all, <-errs)
	}
	if err := errors.Join(all...); err != nil {
		return err
	}
	p.Migrations = n
	return nil
}

// openLog opens (or, opened before, appends to) a log file the children write to.
func (p *shipflowProcs) openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create the shipflow log: %w", err)
	}
	p.logs = append(p.logs, f)
	return f, nil
}

// start starts one long-running child.
func (p *shipflowProcs) start(exe, name string, args, env []string, logPath string) error {
	f, err := p.openLog(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, f, f
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start shipflow %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath}
	p.children = append(p.children, c)
	go func() {
		err := cmd.Wait()
		if !c.killed.Load() {
			p.exited <- fmt.Errorf("shipflow %s exited (%v); see %s", name, err, logPath)
		}
	}()
	return nil
}

// Kill ends the child called name with SIGKILL to its process group, as a crash or an OOM kill
// would, and waits until it is gone. It returns the child's pid, 0 when there is none.
func (p *shipflowProcs) Kill(name string) int {
	for _, c := range p.children {
		if c.name != name {
			continue
		}
		c.killed.Store(true)
		pid := c.cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		for processAlive(pid) {
			time.Sleep(20 * time.Millisecond)
		}
		return pid
	}
	return 0
}

// waitCtx runs check with a timeout.
func waitCtx(ctx context.Context, d time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return check(ctx)
}

// childSettings are the variables a child shipflow gets: the run's addresses, stand-ins and
// secrets on top of fixedSettings.
// providerURLs are the messaging stand-ins' base URLs.
type providerURLs struct{ Twilio, SendGrid, Mailgun string }

func childSettings(o Options, dir, httpAddr, metricsAddr string, uiPort int, temporalAddr string, p providerURLs, s Secrets) map[string]string {
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
		"TWILIO_API_URL":                   p.Twilio,
		"SENDGRID_API_URL":                 p.SendGrid,
		"MAILGUN_API_URL":                  p.Mailgun,
		"SHIPFLOW_ADMIN_TOKENS":            s.AdminToken,
		"SHIPFLOW_VOICE_TOKENS":            s.VoiceToken,
		"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": s.CommerceWebhook,
		"SHIPFLOW_CARRIER_WEBHOOK_SECRET":  s.CarrierWebhook,
	}
	if o.PprofAddr != "" {
		settings["SHIPFLOW_PPROF_ADDR"] = o.PprofAddr
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
	urls := p.URLs
	if len(urls) == 0 {
		urls = []string{p.URL}
	}
	for _, url := range urls {
		for {
			resp, err := c.Get(url + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("shipflow not ready at %s/readyz within 2 minutes; see %s", url, p.Log)
			}
			select {
			case err := <-p.exited:
				return err
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
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
	for _, c := range p.children {
		pids = append(pids, c.cmd.Process.Pid)
	}
	if p.temporalPID != 0 {
		pids = append(pids, p.temporalPID)
	}
	return pids
}

// Exited reports a child that ended on its own: the run cannot go on without it.
func (p *shipflowProcs) Exited() <-chan error { return p.exited }

// Stop asks each child to shut down as Ctrl-C would (dev then stops its Temporal server
// itself) and kills its process group if it has not within 20 seconds, then stops the run's
// own Temporal server, if any.
func (p *shipflowProcs) Stop() {
	for _, c := range p.children {
		c.killed.Store(true) // asked to go: not a failure
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, c := range p.children {
		for processAlive(c.cmd.Process.Pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if processAlive(c.cmd.Process.Pid) {
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the Wait goroutines reap them
	if p.temporal != nil {
		_ = p.temporal.Stop()
	}
	for _, f := range p.logs {
		f.Close()
	}
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
