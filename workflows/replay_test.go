package workflows_test

import (
	"path/filepath"
	"testing"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/worker"
)

// TestReplayStoredHistories replays histories of real runs (written by the integration tests
// with -update-histories) against today's workflow code. A change that would break orders
// already running fails here: guard it with workflow.GetVersion instead.
func TestReplayStoredHistories(t *testing.T) {
	testenv.ReplayHistories(t, filepath.Join("testdata", "histories"), func(r sdkworker.WorkflowReplayer) { worker.RegisterWorkflows(r) })
}

// TestReplayStoredHistoriesWithPayloadKeys replays the same histories, written before
// payloads were sealed, on workers that seal them (SHIPFLOW_PAYLOAD_KEYS): switching the keys
// on must not break runs already going.
func TestReplayStoredHistoriesWithPayloadKeys(t *testing.T) {
	testenv.ReplayHistoriesThrough(t, filepath.Join("testdata", "histories"), testenv.SealingConverter(t), func(r sdkworker.WorkflowReplayer) { worker.RegisterWorkflows(r) })
}
