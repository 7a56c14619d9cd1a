package loadtest

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestReplicas runs `shipflow loadtest -replicas 2 -kill-replica` small, which `make test` runs:
// two `migrate` at once, then two `serve` and two `worker` processes against one Temporal dev
// server and one Postgres, the load spread over both API replicas, and one API replica and one
// worker killed with SIGKILL partway through and left dead. Every order must be delivered,
// every acknowledged event applied once, every message sent once, every published event
// delivered signed, the voice memo and the change feed shared, as the run's checks and the
// fault suite's say. Like the other runs here it checks what happened, never how fast.
func TestReplicas(t *testing.T) {
	cli, exe := children(t)
	rep, err := Run(runContext(t), Options{
		Orders: 50, Concurrency: 8, Rate: 25, Replicas: 2, KillReplica: true,
		EnginePhase: 300 * time.Millisecond, Settle: 3 * time.Minute,
		TemporalCLI: cli, Executable: exe, Secrets: testSecrets, Out: logWriter{t},
		DatabaseURL: fmt.Sprintf("postgres://postgres@127.0.0.1:5432/shipflow_loadtest_replicas_%d?sslmode=disable", os.Getpid()),
	})
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, rep.WriteTable, rep.Problems)
	r := rep.Replicas
	if r == nil || r.Migrations != 2 || len(r.Kills) != 2 || r.Streams == 0 || r.MemoRepeats == 0 {
		t.Errorf("replica mode did not do all it should: %+v", r)
	}
}
