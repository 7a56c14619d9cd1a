package loadtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLoadtestRunsTheWholeJourney runs `shipflow loadtest` small: the same Run as the
// 2,000-order figures in docs/BENCHMARKS.md, against a `shipflow dev` child with its own dev
// server, so the harness that measures shipflow keeps working. It checks what the run reports,
// never how fast it went: speed lives in the documented runs, not in CI.
func TestLoadtestRunsTheWholeJourney(t *testing.T) {
	cli, exe := children(t)
	rep, err := Run(context.Background(), Options{
		Orders: 4, EnginePhase: 300 * time.Millisecond, Settle: 2 * time.Minute,
		TemporalCLI: cli, Executable: exe, Secrets: testSecrets, Out: logWriter{t},
		DatabaseURL: fmt.Sprintf("postgres://postgres@127.0.0.1:5432/shipflow_loadtest_test_%d?sslmode=disable", os.Getpid()),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		t.Error(p)
	}
	j := rep.Journey
	if j.NotFinal != 0 || j.Notifications.Received != j.Notifications.Expected || j.Deliveries.Arrived != j.Deliveries.Nominal {
		t.Errorf("orders not final %d, messages %d of %d, webhooks %d of %d",
			j.NotFinal, j.Notifications.Received, j.Notifications.Expected, j.Deliveries.Arrived, j.Deliveries.Nominal)
	}
	// The order's history and its Cloud actions are counted; the limit follows the batching
	// measured (historyLimit), so four orders on a fast machine, every event relayed alone,
	// are held to the paced bound, and Problems has the check.
	if h := j.History["Order"]; h.Sampled == 0 || h.Events["WorkflowExecutionStarted"] != 1 || j.Cost.ActionsPerOrder <= 0 {
		t.Errorf("order history %+v, cost %+v: not counted", h, j.Cost)
	}
	if j.HistoryLimit < MaxOrderHistory || j.HistoryLimit > MaxPacedOrderHistory {
		t.Errorf("order history limit %.1f, want between %d and %d", j.HistoryLimit, MaxOrderHistory, MaxPacedOrderHistory)
	}
	// Every message owed was received, so every one has each stage's stamps.
	if len(j.Stages) != len(stageNames) || j.Stages[0].Latency.N != j.Notifications.Expected {
		t.Errorf("event to notification stages %+v: want %d stages over %d messages", j.Stages, len(stageNames), j.Notifications.Expected)
	}
	if len(j.StagesByMilestone) != len(milestoneSteps) {
		t.Errorf("stages by milestone for %d milestones, want %d", len(j.StagesByMilestone), len(milestoneSteps))
	}
	if len(j.VoiceSteps) != len(voiceStepNames) {
		t.Errorf("voice steps %+v: want %d", j.VoiceSteps, len(voiceStepNames))
	}
	if rep.VoiceConcurrency != DefaultVoiceConcurrency || rep.VoiceRate <= 0 || rep.Build.Revision == "" {
		t.Errorf("voice load %.0f/s at %d, build %+v: not recorded", rep.VoiceRate, rep.VoiceConcurrency, rep.Build)
	}
	if rep.Engine.StartsPerSecond <= 0 || rep.Engine.SignalsPerSecond <= 0 || rep.Engine.PGReadsPerSecond <= 0 {
		t.Errorf("bare engine not measured: %+v", rep.Engine)
	}
	var table strings.Builder
	rep.WriteTable(&table)
	t.Log(table.String())
	for _, want := range []string{"x signals accepted/s", "x sustained fresh signals/s", "x PG point read", "orders not in final state", "Cloud actions per order",
		"by stage p50 / p99", "its Postgres steps"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table has no %q", want)
		}
	}
}
