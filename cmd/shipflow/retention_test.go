package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/retention"
)

// TestWorkerEnsuresTheRetentionSchedule: a worker starting makes the namespace's retention
// schedule its settings' (interval, task queue, ages in the note), and serve's /metrics shows
// the configured ages.
func TestWorkerEnsuresTheRetentionSchedule(t *testing.T) {
	httpAddr, metricsAddr := freeAddr(t), freeAddr(t)
	tq := testenv.TaskQueue(t)
	e := testEnv(t, map[string]string{
		"DATABASE_URL":              testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":          testenv.TemporalAddress(t),
		"SHIPFLOW_TASK_QUEUE":       tq,
		"SHIPFLOW_HTTP_ADDR":        httpAddr,
		"SHIPFLOW_METRICS_ADDR":     metricsAddr,
		"SHIPFLOW_RETENTION_EVERY":  "2h",
		"SHIPFLOW_RETENTION_ORDERS": "400d",
	})
	c := testenv.Temporal(t)
	ctx := context.Background()
	t.Cleanup(func() { _ = c.ScheduleClient().GetHandle(ctx, retention.ScheduleID).Delete(ctx) })
	start(t, e, "worker")
	var d *client.ScheduleDescription
	testenv.Eventually(t, 30*time.Second, func() bool {
		var err error
		d, err = c.ScheduleClient().GetHandle(ctx, retention.ScheduleID).Describe(ctx)
		if err != nil {
			return false
		}
		a, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
		return ok && a.TaskQueue == tq
	}, "no retention schedule on task queue %s", tq)
	if iv := d.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != 2*time.Hour {
		t.Errorf("intervals %+v, want every 2h", iv)
	}
	if note := d.Schedule.State.Note; !strings.Contains(note, "orders 400d") || d.Schedule.State.Paused {
		t.Errorf("schedule state %+v, want running with orders 400d in its note", d.Schedule.State)
	}

	start(t, e, "serve")
	waitFor(t, "http://"+httpAddr+"/readyz", http.StatusOK, 15*time.Second)
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`shipflow_retention_keep_seconds{kind="orders"} 3.456e+07`, `shipflow_retention_enabled 1`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}
