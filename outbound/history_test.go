package outbound_test

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/worker"
)

var updateHistories = flag.Bool("update-histories", false, "rewrite testdata/histories from this package's runs")

// TestDeliveryRunRetriesAndAlerts is a delivery workflow's whole run, kept (with
// -update-histories) for the replay test: the dispatcher's attempt fails, the workflow's
// first attempt fails after the schedule's wait, a person's retry cuts the next wait short,
// and its 410 disables the endpoint and tells staff.
func TestDeliveryRunRetriesAndAlerts(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, func(n int, w http.ResponseWriter) {
		switch n {
		case 1:
			w.WriteHeader(http.StatusInternalServerError)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusGone)
		}
	})
	ep := h.endpoint(r.URL)
	id := h.order()
	dl := h.delivery(ep.ID, id, 1)
	testenv.Eventually(t, 20*time.Second, func() bool {
		d, err := outbound.GetDelivery(h.ctx, h.pool, dl.ID)
		return err == nil && d.Attempts == 2
	}, "two attempts at delivery %s", dl.ID)
	wid := outbound.DeliveryWorkflowID(dl.ID)
	if err := h.c.SignalWorkflow(h.ctx, wid, "", outbound.RetryNowSignal, nil); err != nil {
		t.Fatal(err)
	}
	d := h.waitStatus(dl.ID, outbound.DeliveryFailed, 10*time.Second)
	if len(d.Log) != 3 || d.Log[2].StatusCode != http.StatusGone {
		t.Fatalf("attempt log %+v", d.Log)
	}
	if err := h.c.GetWorkflow(h.ctx, wid, "").Get(h.ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(h.slack.Messages()); n != 1 || !strings.Contains(h.slack.Messages()[0].Header, ep.ID) {
		t.Errorf("%d staff alerts", n)
	}
	saveHistory(t, h, wid, "delivery_retry_gone_alert")
}

// saveHistory keeps a real run's history for the replay test when -update-histories is set.
func saveHistory(t *testing.T, h *harness, workflowID, name string) {
	t.Helper()
	if !*updateHistories {
		return
	}
	it := h.c.GetWorkflowHistory(context.Background(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "histories", name+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReplayStoredHistories replays histories of real delivery runs against today's workflow
// code: a change that would break deliveries already running fails here.
func TestReplayStoredHistories(t *testing.T) {
	testenv.ReplayHistories(t, filepath.Join("testdata", "histories"), func(r sdkworker.WorkflowReplayer) { worker.RegisterWorkflows(r) })
}

// TestReplayStoredHistoriesWithPayloadKeys replays the same histories, written before
// payloads were sealed, on workers that seal them (SHIPFLOW_PAYLOAD_KEYS): switching the keys
// on must not break runs already going.
func TestReplayStoredHistoriesWithPayloadKeys(t *testing.T) {
	testenv.ReplayHistoriesThrough(t, filepath.Join("testdata", "histories"), testenv.SealingConverter(t), func(r sdkworker.WorkflowReplayer) { worker.RegisterWorkflows(r) })
}
