package loadtest

import (
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
)

var longFaults = flag.Bool("faults.long", false, "run the fault suite's long form (200 orders, a minute of Twilio failing, longer outages)")

// TestFaults is the fault suite's short form, which `make test` runs: orders flow while the
// worker and the API server are killed with SIGKILL, Postgres crashes, Temporal stops and
// Twilio fails, and afterwards every order must be delivered, every acknowledged event applied
// once, every message sent once and every subscriber delivery made. -faults.long runs the
// long form; `shipflow loadtest faults` runs either against a binary of your choice.
func TestFaults(t *testing.T) {
	if _, err := findPGBin(); err != nil {
		t.Fatalf("the fault suite runs a private Postgres cluster: %v", err)
	}
	cli, exe := children(t)
	o := FaultOptions{TemporalCLI: cli, Executable: exe, Long: *longFaults, Out: logWriter{t}, Secrets: testSecrets}
	if o.Long {
		o.Orders = 200
	}
	rep, err := RunFaults(runContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, rep.WriteText, rep.Problems)
	if os.Getenv("SHIPFLOW_FAULTS_JSON") != "" {
		if err := rep.WriteJSON(os.Getenv("SHIPFLOW_FAULTS_JSON")); err != nil {
			t.Error(err)
		}
	}
}

// testSecrets are what the tests' runs sign and authenticate with.
var testSecrets = Secrets{
	CommerceWebhook: "whsec_" + "ZmF1bHQtc3VpdGUtY29tbWVyY2Utc2VjcmV0LTEyMzQ=",
	CarrierWebhook:  "whsec_" + "ZmF1bHQtc3VpdGUtY2Fycmllci1zZWNyZXQtMTIzNDU=",
	AdminToken:      "fault-suite-admin", VoiceToken: "fault-suite-voice",
}

// children returns the pinned Temporal CLI and a shipflow binary built from this tree: the
// children run shipflow exactly as deployed, a binary of its own.
func children(t *testing.T) (cli, exe string) {
	t.Helper()
	cli, err := testenv.CLI()
	if err != nil {
		t.Fatal(err)
	}
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	exe = filepath.Join(t.TempDir(), "shipflow")
	build := exec.Command("go", "build", "-o", exe, "./cmd/shipflow")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build shipflow: %v\n%s", err, out)
	}
	return cli, exe
}

// runContext ends 30 seconds before the test's deadline, to leave time to clean up and report.
func runContext(t *testing.T) context.Context {
	d, ok := t.Deadline()
	if !ok {
		return context.Background()
	}
	ctx, cancel := context.WithDeadline(context.Background(), d.Add(-30*time.Second))
	t.Cleanup(cancel)
	return ctx
}

// logReport logs a run's report as write prints it and fails the test on each problem.
func logReport(t *testing.T, write func(io.Writer), problems []string) {
	t.Helper()
	var b strings.Builder
	write(&b)
	t.Log(b.String())
	for _, p := range problems {
		t.Error(p)
	}
}

// logWriter sends the run's progress lines to t.Log, so that they show with -v or on failure.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
