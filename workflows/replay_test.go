package workflows_test

import (
	"path/filepath"
	"strings"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/worker"
)

// TestReplayStoredHistories replays histories of real runs (written by the integration tests
// with -update-histories) against today's workflow code. A change that would break orders
// already running fails here: guard it with workflow.GetVersion instead.
func TestReplayStoredHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stored histories in testdata/histories (%v)", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			worker.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(testenv.SDKLogger(), f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
