package testenv

import (
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/payload"
	"go.temporal.io/sdk/converter"
	sdkworker "go.temporal.io/sdk/worker"
)

// ReplayHistories replays every history stored in dir (*.json, written from real runs) against
// today's workflow code, which register adds to the replayer, one subtest per file. A change
// that would break runs already going fails here: guard it with workflow.GetVersion instead.
func ReplayHistories(t *testing.T, dir string, register func(sdkworker.WorkflowReplayer)) {
	t.Helper()
	ReplayHistoriesThrough(t, dir, nil, register)
}

// ReplayHistoriesThrough is ReplayHistories with the workers' data converter dc (nil is the
// SDK's default): histories written before payloads were sealed must replay on workers that
// seal them.
func ReplayHistoriesThrough(t *testing.T, dir string, dc converter.DataConverter, register func(sdkworker.WorkflowReplayer)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stored histories in %s (%v)", dir, err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{DataConverter: dc})
			if err != nil {
				t.Fatal(err)
			}
			register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(SDKLogger(), f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// SealingConverter is the data converter of workers with SHIPFLOW_PAYLOAD_KEYS set, over a
// key made for the test.
func SealingConverter(t testing.TB) converter.DataConverter {
	t.Helper()
	secret := make([]byte, payload.KeySize)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	k, err := payload.NewKey("test", secret)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := payload.DataConverter(payload.Keys{k})
	if err != nil {
		t.Fatal(err)
	}
	return dc
}
