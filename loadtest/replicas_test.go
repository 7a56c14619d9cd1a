package loadtest

import (
	"context"
	"fmt"
	"os"
	"strings"
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
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second))
		defer cancel()
	}
	rep, err := Run(ctx, Options{
		Orders: 50, Concurrency: 8, Rate: 25, Replicas: 2, KillReplica: true,
		EnginePhase: 300 * time.Millisecond, Settle: 3 * time.Minute,
		TemporalCLI: cli, Executable: exe, Secrets: testSecrets, Out: logWriter{t},
		DatabaseURL: fmt.Sprintf("postgres://postgres@127.0.0.1:5432/shipflow_loadtest_replicas_%d?sslmode=disable", os.Getpid()),
	})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	rep.WriteTable(&table)
	t.Log(table.String())
	for _, p := range rep.Problems {
		t.Error(p)
	}
	r := rep.Replicas
	if r == nil || r.Migrations != 2 || len(r.Kills) != 2 || r.Streams == 0 || r.MemoRepeats == 0 {
		t.Errorf("replica mode did not do all it should: %+v", r)
	}
}
