package outbound_test

// Issue 15, finding 4: recover could lose deliveries. It marked every failed delivery pending
// for a workflow before starting any; a Temporal error half-way left rows no dispatcher
// (they belong to a workflow) and no workflow (none was started) would ever send, and asking
// again found none, as none was failed any more. These tests cut Temporal under a real recover,
// and leave pending rows with no owner, as the old recover and a terminated workflow did, for
// the dispatchers' periodic check to find.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
)

// cutter lets the first allow workflow starts of a client through, then cuts the client's
// connection to Temporal (a testenv.Proxy) once those have finished: the starts after them
// fail as they would with the frontend gone.
type cutter struct {
	interceptor.ClientInterceptorBase
	proxy  *testenv.Proxy
	allow  int
	mu     sync.Mutex
	n      int
	passed sync.WaitGroup
	cut    sync.Once
}

func newCutter(proxy *testenv.Proxy, allow int) *cutter {
	c := &cutter{proxy: proxy, allow: allow}
	c.passed.Add(allow)
	return c
}

func (c *cutter) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &cutterOut{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}, c: c}
}

type cutterOut struct {
	interceptor.ClientOutboundInterceptorBase
	c *cutter
}

func (o *cutterOut) SignalWithStartWorkflow(ctx context.Context, in *interceptor.ClientSignalWithStartWorkflowInput) (client.WorkflowRun, error) {
	done := o.c.gate()
	defer done()
	return o.Next.SignalWithStartWorkflow(ctx, in)
}

func (o *cutterOut) ExecuteWorkflow(ctx context.Context, in *interceptor.ClientExecuteWorkflowInput) (client.WorkflowRun, error) {
	done := o.c.gate()
	defer done()
	return o.Next.ExecuteWorkflow(ctx, in)
}

// gate lets a start through or cuts first; the returned func is called when the start ends.
func (c *cutter) gate() func() {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	if n <= c.allow {
		return c.passed.Done
	}
	c.passed.Wait()
	c.cut.Do(c.proxy.Cut)
	return func() {}
}

// failedDeliveries makes n orders whose deliveries to a new endpoint fail at once (its URL
// points at a private address the policy refuses, with nothing sent), then points the endpoint
// at r. It returns the endpoint, the orders and their deliveries' ids.
func failedDeliveries(h *harness, r *receiver, n int) (outbound.Endpoint, []string, []string) {
	h.t.Helper()
	ep := h.endpoint(r.URL)
	if _, err := h.pool.Exec(h.ctx, `UPDATE webhook_endpoints SET url = 'http://10.255.255.1/hooks' WHERE id = $1`, ep.ID); err != nil {
		h.t.Fatal(err)
	}
	orders, ids := make([]string, n), make([]string, n)
	for i := range orders {
		orders[i] = h.order()
	}
	for i, o := range orders {
		ids[i] = h.waitStatus(h.delivery(ep.ID, o, 1).ID, outbound.DeliveryFailed, 10*time.Second).ID
	}
	body, _ := json.Marshal(map[string]string{"url": r.URL})
	if code := h.call(http.MethodPatch, "/v1/webhook-endpoints/"+ep.ID, string(body), nil); code != http.StatusOK {
		h.t.Fatalf("patch: %d", code)
	}
	return ep, orders, ids
}

// A recover whose workflow starts fail half-way (Temporal cut after two of four) leaves no
// delivery stranded: asking again, with Temporal back, finishes the job, and the receiver gets
// every delivery exactly once.
func TestRecoverCutHalfWayLosesNothing(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, nil)
	since := time.Now().Add(-time.Minute)
	ep, orders, ids := failedDeliveries(h, r, 4)

	proxy := testenv.NewProxy(t, testenv.TemporalAddress(t))
	cut := newCutter(proxy, 2)
	c, err := client.DialContext(h.ctx, client.Options{HostPort: proxy.Addr(), Namespace: "default", Logger: testenv.SDKLogger(),
		Interceptors: []interceptor.ClientInterceptor{cut}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	api := h.newAPI(c)

	body, _ := json.Marshal(map[string]any{"since": since})
	var failed struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	code := h.callOn(api, http.MethodPost, "/v1/webhook-endpoints/"+ep.ID+"/recover", string(body), &failed)
	if code != http.StatusServiceUnavailable || !strings.Contains(failed.Error.Message, "ask again") {
		t.Fatalf("recover with Temporal cut half-way: %d %+v, want 503 asking to ask again", code, failed.Error)
	}
	// The two started are delivered; the other two must still be failed, for the next ask.
	testenv.Eventually(t, 10*time.Second, func() bool { return len(r.got()) == 2 }, "the two stranded webhooks")
	var still int
	for _, id := range ids {
		d, err := outbound.GetDelivery(h.ctx, h.pool, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == outbound.DeliveryFailed {
			still++
		}
	}
	if still != 2 {
		t.Errorf("%d deliveries left failed after the cut, want the 2 not started", still)
	}

	proxy.Restore()
	var res struct {
		Recovered int `json:"recovered"`
	}
	if code := h.callOn(api, http.MethodPost, "/v1/webhook-endpoints/"+ep.ID+"/recover", string(body), &res); code != http.StatusAccepted || res.Recovered != 2 {
		t.Fatalf("recover again: %d, %d recovered, want 202 and the 2 left", code, res.Recovered)
	}
	for _, id := range ids {
		h.waitStatus(id, outbound.DeliveryDelivered, 15*time.Second)
	}
	if code := h.callOn(api, http.MethodPost, "/v1/webhook-endpoints/"+ep.ID+"/recover", string(body), &res); code != http.StatusAccepted || res.Recovered != 0 {
		t.Errorf("recover a third time: %d, %d recovered, want none", code, res.Recovered)
	}
	time.Sleep(2 * time.Second) // time for a repeated send to show
	for _, o := range orders {
		if hits := r.of(o); len(hits) != 1 || hits[0].meta.Metadata.Attempt != 2 {
			t.Errorf("order %s: %d requests, want exactly one (attempt 2)", o, len(hits))
		}
	}
}

// stranded writes a pending delivery of a new event to ep owned by a workflow that was never
// started, with a failed attempt 1 on record: the row the old recover left when Temporal
// refused the start, as it stands ten minutes later. It returns the order and the delivery.
func stranded(h *harness, ep outbound.Endpoint) (string, string) {
	h.t.Helper()
	orderID := fmt.Sprintf("stranded-%d", time.Now().UnixNano())
	eventID := outbound.EventID(orderID, 1)
	deliveryID := "dlv_stranded_" + orderID
	tx, err := h.pool.Begin(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(h.ctx, `
		INSERT INTO order_events (id, order_id, seq, type, shipment_id, data, created_at)
		VALUES ($1, $2, 1, 'order.created', '', jsonb_build_object('order_id', $2::text), now() - interval '1 hour')`,
		eventID, orderID); err != nil {
		h.t.Fatal(err)
	}
	if _, err := tx.Exec(h.ctx, `
		INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, status, attempts, next_attempt_at,
			last_error, workflow, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 1, 'order.created', 'pending', 1, now() - interval '10 minutes',
			'HTTP 500', true, now() - interval '1 hour', now() - interval '10 minutes')`,
		deliveryID, ep.ID, eventID, orderID); err != nil {
		h.t.Fatal(err)
	}
	if _, err := tx.Exec(h.ctx, `
		INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, outcome)
		VALUES ($1, 1, now() - interval '1 hour', 500, 'failed')`, deliveryID); err != nil {
		h.t.Fatal(err)
	}
	if err := tx.Commit(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	return orderID, deliveryID
}

// strandedCount is a worker's stranded-delivery counter for one outcome.
func strandedCount(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	return testenv.Counter(t, reg, "shipflow_webhook_stranded_total", "outcome", outcome)
}

// A delivery left pending for a workflow that was never started (what the old recover left)
// is found by the dispatchers' check (a worker starting checks at once) and sent, once, as
// its next attempt; the check counts it on /metrics.
func TestStrandedDeliveryWithNoWorkflowIsSent(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, nil)
	ep := h.endpoint(r.URL)
	orderID, deliveryID := stranded(h, ep)

	reg := prometheus.NewRegistry()
	h.startWorker(0, reg) // a worker (re)starting
	d := h.waitStatus(deliveryID, outbound.DeliveryDelivered, 15*time.Second)
	time.Sleep(time.Second)
	if hits := r.of(orderID); len(hits) != 1 || hits[0].meta.Metadata.Attempt != 2 {
		t.Fatalf("%d requests, want one: attempt 2", len(hits))
	}
	if len(d.Log) != 2 || d.Log[1].Outcome != "delivered" {
		t.Errorf("attempt log %+v", d.Log)
	}
	// Whichever worker's check got there first counted it: the harness's own runs its check
	// too, and may be the one that found the row.
	if n := strandedCount(t, reg, "workflow_missing") + strandedCount(t, h.metrics, "workflow_missing"); n != 1 {
		t.Errorf("shipflow_webhook_stranded_total{outcome=workflow_missing} = %v, want 1", n)
	}
}

// A delivery whose workflow closed with it still pending (terminated by an operator mid-
// schedule) is found by the check and its workflow started again for the rest of the
// schedule: the receiver gets attempt 2.
func TestStrandedDeliveryWithClosedWorkflowIsSent(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	ep := h.endpoint(r.URL)
	orderID := h.order()
	dlv := h.delivery(ep.ID, orderID, 1).ID
	// The first attempt fails and the delivery goes to its workflow, to wait 5 s for the next:
	// it is terminated before then.
	testenv.Eventually(t, 10*time.Second, func() bool {
		var owned bool
		err := h.pool.QueryRow(h.ctx, `SELECT workflow FROM webhook_deliveries WHERE id = $1`, dlv).Scan(&owned)
		return err == nil && owned
	}, "the workflow to own delivery %s", dlv)
	if err := h.c.TerminateWorkflow(h.ctx, outbound.DeliveryWorkflowID(dlv), "", "operator"); err != nil {
		t.Fatal(err)
	}
	// Ten minutes go by.
	if _, err := h.pool.Exec(h.ctx, `UPDATE webhook_deliveries SET next_attempt_at = now() - interval '10 minutes' WHERE id = $1`, dlv); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second) // past the terminated run's wait: nothing comes
	if n := len(r.of(orderID)); n != 1 {
		t.Fatalf("%d requests before the check, want the first attempt only", n)
	}

	reg := prometheus.NewRegistry()
	h.startWorker(0, reg)
	h.waitStatus(dlv, outbound.DeliveryDelivered, 15*time.Second)
	time.Sleep(time.Second)
	hits := r.of(orderID)
	if len(hits) != 2 || hits[1].meta.Metadata.Attempt != 2 {
		t.Fatalf("%d requests, want two: attempts 1 and 2", len(hits))
	}
	if n := strandedCount(t, reg, "workflow_closed") + strandedCount(t, h.metrics, "workflow_closed"); n != 1 {
		t.Errorf("shipflow_webhook_stranded_total{outcome=workflow_closed} = %v, want 1", n)
	}
}

// A person's retry that Temporal refuses leaves the delivery as it was (failed, for the same
// request again), never pending for a run that does not exist; asked again, it is sent once.
// (The retry never marked before starting; this keeps it so now that it marks after.)
func TestRetryCutLeavesTheDeliveryFailed(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, nil)
	_, orders, ids := failedDeliveries(h, r, 1)
	proxy := testenv.NewProxy(t, testenv.TemporalAddress(t))
	c, err := client.DialContext(h.ctx, client.Options{HostPort: proxy.Addr(), Namespace: "default", Logger: testenv.SDKLogger(),
		Interceptors: []interceptor.ClientInterceptor{newCutter(proxy, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	api := h.newAPI(c)

	if code := h.callOn(api, http.MethodPost, "/v1/webhook-deliveries/"+ids[0]+"/retry", "", nil); code != http.StatusServiceUnavailable {
		t.Fatalf("retry with Temporal cut: %d, want 503", code)
	}
	if d := h.waitStatus(ids[0], outbound.DeliveryFailed, time.Second); d.Attempts != 1 {
		t.Fatalf("after the cut retry: %d attempts", d.Attempts)
	}
	proxy.Restore()
	if code := h.callOn(api, http.MethodPost, "/v1/webhook-deliveries/"+ids[0]+"/retry", "", nil); code != http.StatusAccepted {
		t.Fatalf("retry again: %d", code)
	}
	h.waitStatus(ids[0], outbound.DeliveryDelivered, 10*time.Second)
	time.Sleep(time.Second)
	if hits := r.of(orders[0]); len(hits) != 1 || hits[0].meta.Metadata.Attempt != 2 {
		t.Errorf("%d requests, want one: attempt 2", len(hits))
	}
}
