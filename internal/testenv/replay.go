package testenv

import (
	"path/filepath"
	"strings"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"
)

// ReplayHistories replays every history stored in dir (*.json, written from real runs) against
// today's workflow code, which register adds to the replayer, one subtest per file. A change
// that would break runs already going fails here: guard it with workflow.GetVersion instead.
func ReplayHistories(t *testing.T, dir string, register func(sdkworker.WorkflowReplayer)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stored histories in %s (%v)", dir, err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(SDKLogger(), f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
