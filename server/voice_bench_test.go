package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/telemetry"
)

// BenchmarkVoiceLookup times a verified lookup_shipment_status through the HTTP handler on
// real Postgres, from the read model (the default source): the memo, the lookup, the answer,
// and the writes after it (the memo's answer, the count and the audit entry), which compete
// with the next calls for the pool. It reports the p50 and p99 of the calls it made, one at a
// time and 8 at once.
func BenchmarkVoiceLookup(b *testing.B) {
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin-1", "SHIPFLOW_VOICE_TOKENS": "voice-1", "SHIPFLOW_RATE_LIMIT_VOICE": "off"}[k]
	})
	if err != nil {
		b.Fatal(err)
	}
	cfg.Temporal.TaskQueue = testenv.TaskQueue(b)
	m, _ := telemetry.NewMetrics()
	e := New(Deps{Config: cfg, DB: testenv.DB(b), Temporal: testenv.Temporal(b), Logger: testenv.QuietLogger(), Metrics: m})
	id := fmt.Sprintf("vbench-%d", time.Now().UnixNano())
	project(b, id, "+37060000000", "en", order.StatusInTransit, time.Now().UTC())
	var seq atomic.Int64
	call := func(b *testing.B) time.Duration {
		body, _ := json.Marshal(map[string]any{"event": "tool.invoked", "call_id": fmt.Sprintf("bench-%s-%d", id, seq.Add(1)),
			"tool_name": "lookup_shipment_status", "parameters": map[string]any{"order_number": id, "caller_phone": "+37060000000"}})
		req := httptest.NewRequest(http.MethodPost, "/voice/tools", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer voice-1")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		e.ServeHTTP(rec, req)
		took := time.Since(start)
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"status":"success"`)) {
			b.Errorf("%d %s", rec.Code, rec.Body)
		}
		return took
	}
	report := func(b *testing.B, ds []time.Duration) {
		slices.Sort(ds)
		q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000 }
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
	}
	b.Run("serial", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			ds = append(ds, call(b))
		}
		report(b, ds)
	})
	b.Run("concurrent-8", func(b *testing.B) {
		ds := make([]time.Duration, b.N)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
					ds[i] = call(b)
				}
			})
		}
		wg.Wait()
		report(b, ds)
	})
}
