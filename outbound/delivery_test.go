package outbound_test

// These tests run the whole outbound path on the package's real Postgres and Temporal dev
// server: an order workflow publishes events, RecordEvent fans them out, the worker's
// dispatcher makes the first attempts and delivery workflows the later ones, against local
// receivers, and the management API retries and recovers. They run
// one at a time, each deleting its endpoints when it ends, because every enabled endpoint in
// the database receives every event.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/slack"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// attemptTimeout stands in for the documented 15 s (docs/reference/outbound-webhooks.md), so the hanging receiver's test is short.
const attemptTimeout = 2 * time.Second

// harness is a worker with outbound deliveries on, the management API, and a Slack stand-in
// for the staff alert.
type harness struct {
	t     *testing.T
	ctx   context.Context
	c     client.Client
	pool  *pgxpool.Pool
	tq    string
	api   *echo.Echo
	inbox *inbox.Inbox // what the API's commerce webhook stores; startRelay hands it on
	slack *escalatetest.Slack
	// metrics holds the dispatcher's counters.
	metrics *prometheus.Registry
}

func newHarness(t *testing.T, perEndpoint int) *harness {
	t.Helper()
	h := &harness{t: t, ctx: t.Context(), c: testenv.Temporal(t), pool: testenv.DB(t), tq: testenv.TaskQueue(t), slack: escalatetest.NewSlack(t),
		metrics: prometheus.NewRegistry()}
	h.startWorker(perEndpoint, h.metrics)

	h.inbox = inbox.New(h.pool)
	h.api = h.newAPI(h.c)
	return h
}

// newAPI is the management API (server.New) with c as its Temporal client.
func (h *harness) newAPI(c client.Client) *echo.Echo {
	h.t.Helper()
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin", "SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8", "SHIPFLOW_WEBHOOK_ALLOW_HTTP": "true",
			"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": commerceSecret}[k]
	})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.Temporal.TaskQueue = h.tq
	m, err := telemetry.NewMetrics()
	if err != nil {
		h.t.Fatal(err)
	}
	return server.New(server.Deps{Config: cfg, DB: h.pool, Temporal: c, Logger: testenv.Logger(h.t), Metrics: m, Inbox: h.inbox, Secrets: testenv.SecretCodec(h.t)})
}

// startWorker starts a worker with outbound deliveries on, and its dispatcher, on the harness's
// task queue, with its metrics in reg; newHarness starts the first.
func (h *harness) startWorker(perEndpoint int, reg *prometheus.Registry) {
	h.t.Helper()
	wh := &outbound.Sender{
		Policy:      egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true},
		Timeout:     attemptTimeout,
		PerEndpoint: perEndpoint,
		Secrets:     testenv.SecretCodec(h.t),
	}
	w := worker.New(h.c, h.tq, worker.Deps{
		DB: h.pool, Notifier: silent{}, Escalator: silent{}, Webhooks: wh,
		Alerters: map[string]escalate.Alerter{"slack": slack.New(h.slack.WebhookURL(), nil)},
		Metrics:  reg,
	}, nil)
	testenv.StartWorker(h.t, w)
}

// silent stands in for customer messages and the legacy escalation path, which these tests
// mostly do not exercise (their orders have no notification channels). An email to
// refusedEmail is refused for good, as a provider refuses an invalid address.
type silent struct{}

// refusedEmail is an address every email to fails, for notification.failed.
const refusedEmail = "refused@example.invalid"

func (silent) Notify(_ context.Context, n notify.Request) error {
	if n.Channel == order.ChannelEmail && n.Customer.Email == refusedEmail {
		return &notify.PermanentError{Err: errors.New("550 mailbox does not exist")}
	}
	return nil
}
func (silent) ExceptionChanged(context.Context, activities.ExceptionChange) error { return nil }

// call makes an admin API request and decodes the JSON answer into out (if not nil).
func (h *harness) call(method, path, body string, out any) int {
	h.t.Helper()
	return h.callOn(h.api, method, path, body, out)
}

// callOn is call on another instance of the API.
func (h *harness) callOn(api *echo.Echo, method, path, body string, out any) int {
	h.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer admin")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, req)
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			h.t.Fatalf("%s %s: %d %s: %v", method, path, rec.Code, rec.Body, err)
		}
	}
	return rec.Code
}

// endpoint registers url through the API, subscribed to types (none: all), and deletes it
// when the test ends.
func (h *harness) endpoint(url string, types ...string) outbound.Endpoint {
	h.t.Helper()
	if types == nil {
		types = []string{}
	}
	body, _ := json.Marshal(map[string]any{"url": url, "event_types": types, "description": h.t.Name()})
	var e outbound.Endpoint
	if code := h.call(http.MethodPost, "/v1/webhook-endpoints", string(body), &e); code != http.StatusCreated {
		h.t.Fatalf("create endpoint: %d", code)
	}
	h.t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), h.pool, e.ID) })
	return e
}

// order starts an order without notification channels and sends it these further events;
// it returns the order id.
func (h *harness) order(then ...order.EventType) string {
	h.t.Helper()
	id := fmt.Sprintf("%s-%d", strings.ReplaceAll(h.t.Name(), "/", "-"), time.Now().UnixNano())
	now := time.Now().UTC()
	created := order.CommerceEvent{
		ID: id + "-created", Type: order.EventCreated, Timestamp: now, OrderID: id,
		Customer: &order.Customer{Name: "Ona", Email: "ona@example.com", Locale: "en", TimeZone: "UTC"},
		Items:    []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
	}
	if _, err := workflows.StartOrder(h.ctx, h.c, h.tq, created, workflows.OrderSettings{}); err != nil {
		h.t.Fatal(err)
	}
	for i, typ := range then {
		e := order.CommerceEvent{ID: fmt.Sprintf("%s-%d", id, i), Type: typ, Timestamp: now.Add(time.Duration(i+1) * time.Second), OrderID: id}
		if typ == order.EventShipped {
			e.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN-" + id, Items: []string{"SHOE-1"}}
		}
		if err := workflows.SignalCommerce(h.ctx, h.c, e); err != nil {
			h.t.Fatal(err)
		}
	}
	return id
}

// delivery returns the endpoint's one delivery of the order's event seq, waiting for it.
func (h *harness) delivery(endpointID, orderID string, seq int64) outbound.Delivery {
	h.t.Helper()
	var d outbound.Delivery
	testenv.Eventually(h.t, 10*time.Second, func() bool {
		err := h.pool.QueryRow(h.ctx, `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND order_id = $2 AND seq = $3`,
			endpointID, orderID, seq).Scan(&d.ID)
		return err == nil
	}, "the delivery of %s seq %d to %s", orderID, seq, endpointID)
	d, err := outbound.GetDelivery(h.ctx, h.pool, d.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// waitStatus waits until a delivery reaches status and returns it with its attempt log.
func (h *harness) waitStatus(id string, want outbound.DeliveryStatus, within time.Duration) outbound.Delivery {
	h.t.Helper()
	var d outbound.Delivery
	testenv.Eventually(h.t, within, func() bool {
		var err error
		d, err = outbound.GetDelivery(h.ctx, h.pool, id)
		return err == nil && d.Status == want
	}, "delivery %s %s (last %s)", id, want, testenv.Last(&d.Status))
	return d
}

// hit is one request a receiver got.
type hit struct {
	at     time.Time
	header http.Header
	body   []byte
	meta   struct {
		Type     string    `json:"type"`
		At       time.Time `json:"timestamp"`
		Metadata struct {
			EventID  string `json:"event_id"`
			OrderID  string `json:"order_id"`
			Sequence int64  `json:"sequence"`
			Attempt  int    `json:"attempt"`
		} `json:"metadata"`
		Data struct {
			OrderID string `json:"order_id"`
			Status  string `json:"status"`
		} `json:"data"`
	}
}

// receiver is a subscriber's endpoint on 127.0.0.1. answer decides the reply to the n-th
// request (from 1); nil answers 204.
type receiver struct {
	*httptest.Server
	answer func(n int, w http.ResponseWriter)

	mu   sync.Mutex
	hits []hit
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *receiver {
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := hit{at: time.Now(), header: req.Header.Clone()}
		h.body, _ = io.ReadAll(req.Body)
		_ = json.Unmarshal(h.body, &h.meta)
		r.mu.Lock()
		r.hits = append(r.hits, h)
		n := len(r.hits)
		r.mu.Unlock()
		if r.answer == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		r.answer(n, w)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// of returns the hits about one order.
func (r *receiver) of(orderID string) []hit {
	var out []hit
	for _, h := range r.got() {
		if h.meta.Metadata.OrderID == orderID {
			out = append(out, h)
		}
	}
	return out
}

// verifies checks a request's signature the way a receiver following Standard Webhooks
// would, written here from the spec rather than with shipflow's signature package: some
// "v1," signature must be base64(HMAC-SHA256(key, id.timestamp.body)) under the secret's key,
// and the timestamp within five minutes.
func verifies(secret string, h hit) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	id, ts := h.header.Get("webhook-id"), h.header.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + string(h.body)))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, s := range strings.Fields(h.header.Get("webhook-signature")) {
		if v, ok := strings.CutPrefix(s, "v1,"); ok && hmac.Equal([]byte(v), []byte(want)) {
			return true
		}
	}
	return false
}

func TestEventsReachSubscribedEndpointsSigned(t *testing.T) {
	h := newHarness(t, 0)
	all, shipped := newReceiver(t, nil), newReceiver(t, nil)
	allEP := h.endpoint(all.URL + "/hooks")
	shippedEP := h.endpoint(shipped.URL+"/hooks", "order.shipped")

	id := h.order(order.EventConfirmed, order.EventShipped)
	testenv.Eventually(t, 15*time.Second, func() bool { return len(all.of(id)) == 3 && len(shipped.of(id)) == 1 }, "three webhooks, one of them to the shipped endpoint")

	for _, hi := range all.of(id) {
		m := hi.meta.Metadata
		if !verifies(allEP.Secret, hi) {
			t.Errorf("seq %d: signature does not verify", m.Sequence)
		}
		if hi.header.Get("webhook-id") != m.EventID || m.EventID != outbound.EventID(id, m.Sequence) || m.Attempt != 1 || hi.meta.Data.OrderID != id {
			t.Errorf("seq %d: header id %s, metadata %+v, data order %s", m.Sequence, hi.header.Get("webhook-id"), m, hi.meta.Data.OrderID)
		}
		if ct := hi.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
	}
	types := map[int64]string{}
	for _, hi := range all.of(id) {
		types[hi.meta.Metadata.Sequence] = hi.meta.Type
	}
	if want := map[int64]string{1: "order.created", 2: "order.confirmed", 3: "order.shipped"}; fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("all-types endpoint got %v, want %v", types, want)
	}
	if hi := shipped.of(id)[0]; hi.meta.Type != "order.shipped" || hi.meta.Metadata.Sequence != 3 || !verifies(shippedEP.Secret, hi) {
		t.Errorf("order.shipped endpoint got %s #%d (verified %v)", hi.meta.Type, hi.meta.Metadata.Sequence, verifies(shippedEP.Secret, hi))
	}
	// The API shows the delivery and its attempt.
	d := h.waitStatus(h.delivery(shippedEP.ID, id, 3).ID, outbound.DeliveryDelivered, 5*time.Second)
	if len(d.Log) != 1 || d.Log[0].StatusCode != http.StatusNoContent || d.Log[0].Outcome != "delivered" {
		t.Errorf("attempt log %+v", d.Log)
	}
	var page outbound.DeliveryPage
	if code := h.call(http.MethodGet, "/v1/webhook-endpoints/"+shippedEP.ID+"/deliveries?status=delivered", "", &page); code != http.StatusOK || len(page.Deliveries) != 1 {
		t.Errorf("list deliveries: %d, %d deliveries", code, len(page.Deliveries))
	}
}

func TestFailedAttemptIsRetriedWithTheSameWebhookID(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "database is down")
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	ep := h.endpoint(r.URL)
	id := h.order()
	d := h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryDelivered, 15*time.Second)

	hits := r.of(id)
	if len(hits) != 2 {
		t.Fatalf("%d requests, want 2", len(hits))
	}
	if a, b := hits[0].header.Get("webhook-id"), hits[1].header.Get("webhook-id"); a != b || a == "" {
		t.Errorf("webhook-id %q then %q, want the same", a, b)
	}
	if a, b := hits[0].meta.Metadata.Attempt, hits[1].meta.Metadata.Attempt; a != 1 || b != 2 {
		t.Errorf("attempts %d then %d", a, b)
	}
	// docs/reference/outbound-webhooks.md: the first retry 5 s after, with up to 20% jitter.
	if gap := hits[1].at.Sub(hits[0].at); gap < 5*time.Second || gap > 7*time.Second {
		t.Errorf("retried after %s, want 5-6 s", gap)
	}
	if len(d.Log) != 2 || d.Log[0].StatusCode != 500 || d.Log[0].Body != "database is down" || d.Log[1].StatusCode != 200 {
		t.Errorf("attempt log %+v", d.Log)
	}
	if !verifies(ep.Secret, hits[1]) {
		t.Error("retry's signature does not verify")
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.Header().Set("Retry-After", "8")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	ep := h.endpoint(r.URL)
	id := h.order()
	h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryDelivered, 20*time.Second)
	hits := r.of(id)
	if len(hits) != 2 {
		t.Fatalf("%d requests, want 2", len(hits))
	}
	if gap := hits[1].at.Sub(hits[0].at); gap < 8*time.Second || gap > 10*time.Second {
		t.Errorf("retried after %s, want the 8 s asked for (plus up to 20%%), not the schedule's 5 s", gap)
	}
}

func TestGoneDisablesTheEndpointAndTellsStaff(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusGone) })
	ep := h.endpoint(r.URL)
	id := h.order(order.EventConfirmed)
	h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryFailed, 10*time.Second)

	e, err := outbound.GetEndpoint(h.ctx, h.pool, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Enabled || !strings.Contains(e.Disabled, "410") {
		t.Errorf("endpoint enabled %v, reason %q", e.Enabled, e.Disabled)
	}
	testenv.Eventually(t, 10*time.Second, func() bool { return len(h.slack.Messages()) == 1 }, "the staff alert")
	if m := h.slack.Messages()[0]; !strings.Contains(m.Header, "Webhook endpoint "+ep.ID) || !strings.Contains(m.Text, "410 Gone") {
		t.Errorf("staff alert %q / %q", m.Header, m.Text)
	}
	// Nothing more is sent: the confirmation, if published after, found the endpoint disabled.
	time.Sleep(time.Second)
	if n := len(r.of(id)); n > 2 {
		t.Errorf("%d requests to a gone endpoint", n)
	}
}

func TestEndpointFailingForFiveDaysIsDisabled(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) })
	ep := h.endpoint(r.URL)
	if _, err := h.pool.Exec(h.ctx, `UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, ep.ID); err != nil {
		t.Fatal(err)
	}
	id := h.order()
	d := h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryFailed, 10*time.Second)
	if len(d.Log) != 1 || d.Log[0].StatusCode != http.StatusBadGateway {
		t.Errorf("attempt log %+v", d.Log)
	}
	e, _ := outbound.GetEndpoint(h.ctx, h.pool, ep.ID)
	if e.Enabled || !strings.Contains(e.Disabled, "every delivery failed since") {
		t.Errorf("endpoint enabled %v, reason %q", e.Enabled, e.Disabled)
	}
	testenv.Eventually(t, 10*time.Second, func() bool { return len(h.slack.Messages()) == 1 }, "the staff alert")
}

func TestHangingReceiverTimesOut(t *testing.T) {
	h := newHarness(t, 0)
	release := make(chan struct{})
	r := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			<-release // past the attempt's timeout
		}
		w.WriteHeader(http.StatusOK)
	})
	t.Cleanup(func() { close(release) }) // before the receiver's Close, which waits for handlers
	ep := h.endpoint(r.URL)
	id := h.order()
	d := h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryDelivered, 20*time.Second)
	if len(d.Log) != 2 || d.Log[0].StatusCode != 0 || !strings.HasPrefix(d.Log[0].Error, "timeout") || d.Log[0].Outcome != "retry" {
		t.Fatalf("attempt log %+v", d.Log)
	}
	if l := d.Log[0].LatencyMS; l < float64(attemptTimeout.Milliseconds()) || l > float64(attemptTimeout.Milliseconds())+1000 {
		t.Errorf("timed out after %.0f ms, want about %s", l, attemptTimeout)
	}
}

func TestManualRetryAndRecover(t *testing.T) {
	h := newHarness(t, 0)
	// The endpoint first points at a private address the policy refuses while dialling (saved
	// when the allowed ranges still had it): the deliveries fail at once, with nothing sent.
	r := newReceiver(t, nil)
	ep := h.endpoint(r.URL)
	if _, err := h.pool.Exec(h.ctx, `UPDATE webhook_endpoints SET url = 'http://10.255.255.1/hooks' WHERE id = $1`, ep.ID); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Minute)
	first, second := h.order(), h.order()
	d1 := h.waitStatus(h.delivery(ep.ID, first, 1).ID, outbound.DeliveryFailed, 10*time.Second)
	d2 := h.waitStatus(h.delivery(ep.ID, second, 1).ID, outbound.DeliveryFailed, 10*time.Second)
	if len(d1.Log) != 1 || !strings.Contains(d1.Log[0].Error, "forbidden") {
		t.Errorf("attempt log %+v", d1.Log)
	}

	body, _ := json.Marshal(map[string]string{"url": r.URL})
	if code := h.call(http.MethodPatch, "/v1/webhook-endpoints/"+ep.ID, string(body), nil); code != http.StatusOK {
		t.Fatalf("patch: %d", code)
	}
	if code := h.call(http.MethodPost, "/v1/webhook-deliveries/"+d1.ID+"/retry", "", nil); code != http.StatusAccepted {
		t.Fatalf("retry: %d", code)
	}
	d1 = h.waitStatus(d1.ID, outbound.DeliveryDelivered, 10*time.Second)
	if len(d1.Log) != 2 || d1.Log[1].Attempt != 2 {
		t.Errorf("after retry: %+v", d1.Log)
	}

	var res struct {
		Recovered int `json:"recovered"`
	}
	body, _ = json.Marshal(map[string]any{"since": since})
	if code := h.call(http.MethodPost, "/v1/webhook-endpoints/"+ep.ID+"/recover", string(body), &res); code != http.StatusAccepted || res.Recovered != 1 {
		t.Fatalf("recover: %d, %d recovered (want only the one still failed)", code, res.Recovered)
	}
	h.waitStatus(d2.ID, outbound.DeliveryDelivered, 10*time.Second)
	for _, id := range []string{first, second} {
		if hits := r.of(id); len(hits) != 1 || hits[0].meta.Metadata.Attempt != 2 || !verifies(ep.Secret, hits[0]) {
			t.Errorf("order %s: %d requests", id, len(hits))
		}
	}
	if code := h.call(http.MethodPost, "/v1/webhook-endpoints/"+ep.ID+"/recover", `{}`, nil); code != http.StatusBadRequest {
		t.Errorf("recover without since: %d", code)
	}
	if code := h.call(http.MethodPost, "/v1/webhook-deliveries/dlv_nope/retry", "", nil); code != http.StatusNotFound {
		t.Errorf("retry of an unknown delivery: %d", code)
	}
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, nil)
	ep := h.endpoint(r.URL)
	var rotated outbound.Endpoint
	if code := h.call(http.MethodPost, "/v1/webhook-endpoints/"+ep.ID+"/rotate-secret", "", &rotated); code != http.StatusOK || rotated.Secret == ep.Secret {
		t.Fatalf("rotate: %d", code)
	}
	id := h.order()
	testenv.Eventually(t, 10*time.Second, func() bool { return len(r.of(id)) == 1 }, "the webhook")
	hi := r.of(id)[0]
	if n := len(strings.Fields(hi.header.Get("webhook-signature"))); n != 2 {
		t.Errorf("%d signatures, want 2", n)
	}
	if !verifies(ep.Secret, hi) || !verifies(rotated.Secret, hi) {
		t.Errorf("old secret verifies %v, new %v; want both", verifies(ep.Secret, hi), verifies(rotated.Secret, hi))
	}
}

func TestDeadEndpointDoesNotSlowOthers(t *testing.T) {
	h := newHarness(t, 2)
	release := make(chan struct{})
	dead := newReceiver(t, func(int, http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) }) // before the receiver's Close, which waits for handlers
	healthy := newReceiver(t, nil)
	h.endpoint(dead.URL)
	h.endpoint(healthy.URL)

	const orders = 12
	ids := make([]string, orders)
	start := time.Now()
	for i := range ids {
		ids[i] = h.order()
	}
	testenv.Eventually(t, 15*time.Second, func() bool {
		for _, id := range ids {
			if len(healthy.of(id)) == 0 {
				return false
			}
		}
		return true
	}, "every healthy delivery")
	// Every healthy delivery arrived while the dead endpoint held its attempts for the full
	// timeout: its cap of two in flight left every other slot free.
	var slowest time.Duration
	for _, id := range ids {
		hi := healthy.of(id)[0]
		slowest = max(slowest, hi.at.Sub(hi.meta.At))
	}
	if slowest > attemptTimeout {
		t.Errorf("slowest healthy delivery took %s after its event; the dead endpoint held it up", slowest)
	}
	if n := len(dead.got()); n > 2*int(time.Since(start)/attemptTimeout+1) {
		t.Errorf("%d attempts in flight at the dead endpoint, past its cap", n)
	}
	t.Logf("%d orders: slowest healthy delivery %s after its event; dead endpoint saw %d requests", orders, slowest, len(dead.got()))
}

func TestFirstAttemptIsMadeWithoutAWorkflow(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, nil)
	ep := h.endpoint(r.URL)
	id := h.order()
	d := h.waitStatus(h.delivery(ep.ID, id, 1).ID, outbound.DeliveryDelivered, 10*time.Second)
	if len(d.Log) != 1 {
		t.Fatalf("attempt log %+v", d.Log)
	}
	// The dispatcher made it straight from Postgres: the engine did no work for it.
	_, err := h.c.DescribeWorkflowExecution(h.ctx, outbound.DeliveryWorkflowID(d.ID), "")
	var missing *serviceerror.NotFound
	if !errors.As(err, &missing) {
		t.Errorf("describe the delivery's workflow: %v; want none to exist", err)
	}
	want := `
		# HELP shipflow_webhook_dispatched_total Outbound webhook deliveries a dispatcher claimed, by what became of them.
		# TYPE shipflow_webhook_dispatched_total counter
		shipflow_webhook_dispatched_total{outcome="delivered"} 1
	`
	if err := testutil.GatherAndCompare(h.metrics, strings.NewReader(want), "shipflow_webhook_dispatched_total"); err != nil {
		t.Error(err)
	}
}

// A dispatcher that died after recording a failed first attempt, before handing the delivery
// to its workflow, leaves the row attempted, pending and owned by nobody. The next pass must
// hand it on for the rest of the schedule, not attempt it a second time as attempt 1.
func TestAttemptedDeliveryIsHandedOnNotRepeated(t *testing.T) {
	h := newHarness(t, 0)
	r := newReceiver(t, nil)
	ep := h.endpoint(r.URL)
	orderID := fmt.Sprintf("handoff-%d", time.Now().UnixNano())
	eventID, deliveryID := outbound.EventID(orderID, 1), "dlv_handoff_"+orderID
	tx, err := h.pool.Begin(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(h.ctx, `
		INSERT INTO order_events (id, order_id, seq, type, shipment_id, data, created_at)
		VALUES ($1, $2, 1, 'order.created', '', '{"order_id":"`+orderID+`"}', now())`, eventID, orderID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(h.ctx, `
		INSERT INTO webhook_deliveries (id, endpoint_id, event_id, order_id, seq, type, attempts, next_attempt_at, last_error)
		VALUES ($1, $2, $3, $4, 1, 'order.created', 1, now() + interval '1 second', 'HTTP 500')`,
		deliveryID, ep.ID, eventID, orderID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(h.ctx, `
		INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, outcome)
		VALUES ($1, 1, now(), 500, 'retry')`, deliveryID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(h.ctx); err != nil {
		t.Fatal(err)
	}

	d := h.waitStatus(deliveryID, outbound.DeliveryDelivered, 10*time.Second)
	hits := r.of(orderID)
	if len(hits) != 1 || hits[0].meta.Metadata.Attempt != 2 {
		var attempts []int
		for _, hi := range hits {
			attempts = append(attempts, hi.meta.Metadata.Attempt)
		}
		t.Fatalf("requests with attempts %v, want one request: attempt 2", attempts)
	}
	if len(d.Log) != 2 || d.Log[1].Outcome != "delivered" {
		t.Errorf("attempt log %+v", d.Log)
	}
	if _, err := h.c.DescribeWorkflowExecution(h.ctx, outbound.DeliveryWorkflowID(deliveryID), ""); err != nil {
		t.Errorf("the delivery's workflow: %v", err)
	}
}
