package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestBenchDeliveriesAgainstDev runs `shipflow bench deliveries` small against `shipflow dev`,
// so the benchmark whose figures the README quotes keeps working. It checks what the bench
// reports, never how fast: speed lives in the documented runs, not in CI.
func TestBenchDeliveriesAgainstDev(t *testing.T) {
	d := startDev(t, nil)
	out := filepath.Join(t.TempDir(), "deliveries.json")
	args := []string{"bench", "deliveries", "-endpoints", "1,3", "-deliveries", "6", "-json", out}
	if err := run(context.Background(), args, testEnv(t, d.vars)); err != nil {
		t.Fatalf("bench deliveries: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res deliveriesResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 2 {
		t.Fatalf("%d runs, want one per endpoint count: %+v", len(res.Runs), res)
	}
	for i, k := range []int{1, 3} {
		r := res.Runs[i]
		if r.Endpoints != k || r.Orders != 6/k || r.Deliveries != 6 || r.PerSecond <= 0 || r.FirstP50 <= 0 || r.FirstP99 < r.FirstP50 {
			t.Errorf("run %d: %+v", i, r)
		}
	}
}
