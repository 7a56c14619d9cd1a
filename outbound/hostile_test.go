package outbound_test

// Issue 14, finding 5: an endpoint whose 200 answer held a NUL byte received the same webhook
// 6,000 times in 15 seconds. Postgres refused the attempt's record (NUL in text), and the
// dispatcher released the row and claimed it again at once. These tests run the real
// dispatcher and delivery workflows on real Postgres and Temporal against local receivers, and
// read the result through the management API.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/relay"
	"github.com/shipflow/shipflow/signature"
)

// hostileBody is a 200 answer no text column takes as it is: NUL, an escape sequence and
// bytes that are not UTF-8.
const hostileBody = "{\"received\":true}\x00\x00\x1b[2J\xff\xfe\xc3(end"

// commerceSecret signs the commerce webhooks the harness's API accepts.
const commerceSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// The finding as a user met it, every step over HTTP: a subscriber registers an endpoint
// through the management API of a running server, a platform posts order.created to
// /webhooks/commerce, the relay starts the order, its event goes out, the endpoint answers 200
// with NUL in the body, and staff read the delivery through GET /v1/webhook-deliveries/{id}.
func TestNULInAnswerThroughTheHTTPServer(t *testing.T) {
	h := newHarness(t, 0)
	srv := httptest.NewServer(h.api)
	t.Cleanup(srv.Close)
	rl := &relay.Relay{Inbox: h.inbox, DB: h.pool, Temporal: h.c, TaskQueue: h.tq, Logger: testenv.Logger(t)}
	go rl.Run(h.ctx)

	r := newReceiver(t, func(_ int, w http.ResponseWriter) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, hostileBody)
	})
	send := func(method, path string, hdr http.Header, body []byte, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		req.Header = hdr
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatalf("%s %s: %d: %v", method, path, resp.StatusCode, err)
			}
		}
		return resp.StatusCode
	}
	admin := http.Header{"Authorization": {"Bearer admin"}, "Content-Type": {"application/json"}}
	var ep outbound.Endpoint
	if code := send(http.MethodPost, "/v1/webhook-endpoints", admin, []byte(`{"url":"`+r.URL+`","event_types":["order.created"]}`), &ep); code != http.StatusCreated {
		t.Fatalf("create endpoint: %d", code)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), h.pool, ep.ID) })

	orderID := fmt.Sprintf("nul-answer-%d", time.Now().UnixNano())
	body, _ := json.Marshal(map[string]any{"type": "order.created", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"order_id": orderID,
		"customer": map[string]any{"name": "Ona", "email": "ona@example.com", "locale": "en", "time_zone": "UTC"},
		"items":    []map[string]any{{"sku": "SHOE-1", "name": "Shoes", "quantity": 1}},
	}})
	hdr, err := signature.Headers([]string{commerceSecret}, orderID+"-created", time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	hdr.Set("Content-Type", "application/json")
	if code := send(http.MethodPost, "/webhooks/commerce", hdr, body, nil); code != http.StatusOK {
		t.Fatalf("POST /webhooks/commerce: %d", code)
	}

	d := h.waitStatus(h.delivery(ep.ID, orderID, 1).ID, outbound.DeliveryDelivered, 20*time.Second)
	time.Sleep(2 * time.Second) // the old loop sent hundreds in this time
	if n := len(r.of(orderID)); n != 1 {
		t.Fatalf("the receiver got the webhook %d times, want once", n)
	}
	var got struct {
		Status string `json:"status"`
		Log    []struct {
			StatusCode int    `json:"status_code"`
			Body       string `json:"response_body"`
		} `json:"attempt_log"`
	}
	if code := send(http.MethodGet, "/v1/webhook-deliveries/"+d.ID, admin, nil, &got); code != http.StatusOK {
		t.Fatalf("GET delivery: %d", code)
	}
	if want := "{\"received\":true}\uFFFD[2J\uFFFD(end"; got.Status != "delivered" || len(got.Log) != 1 || got.Log[0].StatusCode != 200 || got.Log[0].Body != want {
		t.Errorf("delivery through the API: %+v, want delivered with the answer %q", got, want)
	}
}

func TestNULInAnswerIsDeliveredOnceAndReadable(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, func(_ int, w http.ResponseWriter) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, hostileBody)
	})
	ep := h.endpoint(r.URL)
	id := h.order()
	d := h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryDelivered, 10*time.Second)
	time.Sleep(2 * time.Second) // the old loop sent hundreds in this time
	if n := len(r.of(id)); n != 1 {
		t.Fatalf("the receiver got the webhook %d times, want once", n)
	}

	var got struct {
		Status string `json:"status"`
		Log    []struct {
			StatusCode int    `json:"status_code"`
			Body       string `json:"response_body"`
			Outcome    string `json:"outcome"`
		} `json:"attempt_log"`
	}
	if code := h.call(http.MethodGet, "/v1/webhook-deliveries/"+d.ID, "", &got); code != http.StatusOK {
		t.Fatalf("GET delivery: %d", code)
	}
	if got.Status != "delivered" || len(got.Log) != 1 || got.Log[0].StatusCode != 200 || got.Log[0].Outcome != "delivered" {
		t.Fatalf("delivery %+v", got)
	}
	if want := "{\"received\":true}\uFFFD[2J\uFFFD(end"; got.Log[0].Body != want {
		t.Errorf("stored answer %q, want %q", got.Log[0].Body, want)
	}
}

// refuseAttempts makes Postgres refuse, for good, the record of any attempt whose answer holds
// marker, as it refused NUL: a CHECK constraint, the same class of refusal (data the table does
// not take).
func refuseAttempts(h *harness, marker string) {
	h.t.Helper()
	name := "refuse_" + strings.ToLower(strings.NewReplacer("-", "_", "/", "_").Replace(marker))
	if _, err := h.pool.Exec(h.ctx, fmt.Sprintf(
		`ALTER TABLE webhook_attempts ADD CONSTRAINT %s CHECK (response_body NOT LIKE '%%%s%%') NOT VALID`, name, marker)); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		_, _ = h.pool.Exec(context.Background(), `ALTER TABLE webhook_attempts DROP CONSTRAINT `+name)
	})
}

// failAttempts makes Postgres fail the record of any attempt whose answer holds marker the way
// a busy database does, with a serialization failure, which may pass next time.
func failAttempts(h *harness, marker string) {
	h.t.Helper()
	name := "fail_" + strings.ToLower(strings.NewReplacer("-", "_", "/", "_").Replace(marker))
	if _, err := h.pool.Exec(h.ctx, fmt.Sprintf(`
		CREATE FUNCTION %[1]s() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.response_body LIKE '%%%[2]s%%' THEN
				RAISE EXCEPTION 'could not serialize access (test)' USING ERRCODE = '40001';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER %[1]s BEFORE INSERT OR UPDATE ON webhook_attempts FOR EACH ROW EXECUTE FUNCTION %[1]s();`, name, marker)); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		_, _ = h.pool.Exec(context.Background(), fmt.Sprintf(`DROP TRIGGER %[1]s ON webhook_attempts; DROP FUNCTION %[1]s();`, name))
	})
}

// dispatched is the dispatcher's counter for one outcome.
func (h *harness) dispatched(outcome string) float64 {
	h.t.Helper()
	return testenv.Counter(h.t, h.metrics, "shipflow_webhook_dispatched_total", "outcome", outcome)
}

// An attempt Postgres refuses to record is not made again: the delivery is failed at once with
// the reason, for staff, and the receiver has it once.
func TestRefusedRecordFailsTheDeliveryWithoutResending(t *testing.T) {
	h := newHarness(t, 0)
	refuseAttempts(h, "refused-marker")
	r := newReceiver(t, func(_ int, w http.ResponseWriter) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "ok refused-marker")
	})
	ep := h.endpoint(r.URL)
	id := h.order()
	d := h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryFailed, 10*time.Second)
	time.Sleep(2 * time.Second)
	if n := len(r.of(id)); n != 1 {
		t.Fatalf("the receiver got the webhook %d times, want once", n)
	}
	if !strings.Contains(d.LastError, "not attempted again") || !strings.Contains(d.LastError, "check constraint") || len(d.Log) != 0 {
		t.Errorf("delivery: last error %q, %d attempts on record", d.LastError, len(d.Log))
	}
	if n := h.dispatched("failed"); n != 1 {
		t.Errorf("dispatched failed = %v, want 1", n)
	}
}

// An attempt Postgres fails to record (a serialization failure) is not made again while the
// lease holds; every failed pass holds the delivery longer, and the fifth fails it. Each lease
// is run out here by hand, as time would.
func TestUnrecordedAttemptWaitsOutItsLeaseThenFails(t *testing.T) {
	h := newHarness(t, 0)
	failAttempts(h, "flaky-marker")
	r := newReceiver(t, func(_ int, w http.ResponseWriter) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "ok flaky-marker")
	})
	ep := h.endpoint(r.URL)
	id := h.order()
	dlv := h.delivery(ep.ID, id, 1).ID
	for pass := 1; pass <= outbound.MaxFailedPasses; pass++ {
		testenv.Eventually(t, 10*time.Second, func() bool { return h.dispatched("deferred")+h.dispatched("failed") == float64(pass) }, "pass %d dispatched", pass)
		time.Sleep(time.Second) // nothing more may come while the lease holds
		if n := len(r.of(id)); n != pass {
			t.Fatalf("pass %d: the receiver got the webhook %d times, want %d", pass, n, pass)
		}
		d, err := outbound.GetDelivery(h.ctx, h.pool, dlv)
		if err != nil {
			t.Fatal(err)
		}
		if pass < outbound.MaxFailedPasses {
			var wait time.Duration
			if err := h.pool.QueryRow(h.ctx, `SELECT extract(epoch FROM lease_until - now()) * interval '1 second' FROM webhook_deliveries WHERE id = $1`, dlv).Scan(&wait); err != nil {
				t.Fatal(err)
			}
			want := time.Minute << (pass - 1)
			if d.Status != outbound.DeliveryPending || wait < want-10*time.Second || wait > want || !strings.Contains(d.LastError, fmt.Sprintf("pass %d of at most", pass)) {
				t.Fatalf("pass %d: %s, lease for %s more (want %s), last error %q", pass, d.Status, wait, want, d.LastError)
			}
			if _, err := h.pool.Exec(h.ctx, `UPDATE webhook_deliveries SET lease_until = now() WHERE id = $1`, dlv); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if d.Status != outbound.DeliveryFailed || !strings.Contains(d.LastError, "after 5 failed passes") || !strings.Contains(d.LastError, "could not serialize") {
			t.Errorf("after the last pass: %s, %q", d.Status, d.LastError)
		}
	}
	var page outbound.DeliveryPage
	if code := h.call(http.MethodGet, "/v1/webhook-endpoints/"+ep.ID+"/deliveries?status=failed", "", &page); code != http.StatusOK || len(page.Deliveries) != 1 {
		t.Errorf("failed deliveries through the API: %d, %d", code, len(page.Deliveries))
	}
	if got := h.dispatched("deferred"); got != outbound.MaxFailedPasses-1 {
		t.Errorf("dispatched deferred = %v", got)
	}
}

// The same in a delivery's workflow: its second attempt is answered 200 but cannot be
// recorded. A refusal ends the delivery, failed, and the workflow completes; a failure waits
// the deferral's minute rather than the retry policy's second.
func TestWorkflowAttemptThatCannotBeRecordedIsNotResent(t *testing.T) {
	h := newHarness(t, 0)
	refuseAttempts(h, "wf-refused")
	failAttempts(h, "wf-flaky")
	for _, marker := range []string{"wf-refused", "wf-flaky"} {
		r := newReceiver(t, func(n int, w http.ResponseWriter) {
			if n == 1 {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "ok "+marker)
		})
		ep := h.endpoint(r.URL)
		id := h.order()
		dlv := h.delivery(ep.ID, id, 1).ID
		testenv.Eventually(t, 15*time.Second, func() bool { return len(r.of(id)) == 2 }, "two webhooks")
		time.Sleep(3 * time.Second) // the retry policy alone would have sent it twice more by now
		if n := len(r.of(id)); n != 2 {
			t.Fatalf("%s: the receiver got the webhook %d times, want 2", marker, n)
		}
		d, _ := outbound.GetDelivery(h.ctx, h.pool, dlv)
		desc, err := h.c.DescribeWorkflowExecution(h.ctx, outbound.DeliveryWorkflowID(dlv), "")
		if err != nil {
			t.Fatal(err)
		}
		st := desc.GetWorkflowExecutionInfo().GetStatus()
		switch marker {
		case "wf-refused":
			if d.Status != outbound.DeliveryFailed || !strings.Contains(d.LastError, "not attempted again") || st != enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				t.Errorf("%s: delivery %s %q, workflow %s", marker, d.Status, d.LastError, st)
			}
		case "wf-flaky":
			if d.Status != outbound.DeliveryPending || !strings.Contains(d.LastError, "pass 1 of at most") || st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
				t.Errorf("%s: delivery %s %q, workflow %s", marker, d.Status, d.LastError, st)
			}
			_ = h.c.TerminateWorkflow(context.Background(), outbound.DeliveryWorkflowID(dlv), "", "test over")
		}
		// The next order's event would reach this endpoint too.
		if err := outbound.DeleteEndpoint(h.ctx, h.pool, ep.ID); err != nil {
			t.Fatal(err)
		}
	}
}
