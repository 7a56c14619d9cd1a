package server_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/changes"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/relay"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// Secrets of the test stack, one per inbound source.
const (
	commerceSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	carrierSecret   = "whsec_c2hpcGZsb3ctY2Fycmllci1zZWNyZXQtdGVzdA=="
	shopifySecret   = "shpss_test_secret"
	wooSecret       = "woo test secret"
	aftershipSecret = "aftership-test-secret"
	easypostSecret  = "easypost-test-secret"
	shipEngineKeyID = "test-key-1"
)

// stack is shipflow's inbound path, whole: an HTTP server with every webhook source on, the
// inbox relay, and a worker, on this package's Postgres and Temporal. The relay reaches
// Temporal through a proxy a test can cut. The package shares one stack because relays share
// the inbox table: two would take each other's deliveries.
type stack struct {
	url      string
	temporal *testenv.Proxy
	notes    *notes
	shipKey  *rsa.PrivateKey
}

var (
	stackOnce sync.Once
	theStack  *stack
)

func newStack(t *testing.T) *stack {
	t.Helper()
	stackOnce.Do(func() { theStack = startStack(t) })
	if theStack == nil {
		t.Fatal("the shared stack failed to start")
	}
	return theStack
}

// stackTaskQueue is where the stack's worker runs the workflows its serve replicas start.
const stackTaskQueue = "webhooks-stack"

func startStack(t *testing.T) *stack {
	ctx, cancel := context.WithCancel(context.Background())
	pool := testenv.DB(t)
	tq := stackTaskQueue
	n := &notes{sent: map[string][]string{}}
	w := sdkworker.New(testenv.Temporal(t), tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: pool, Notifier: n, Escalator: activities.LogEscalator{Logger: testenv.QuietLogger()}})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	proxy, err := testenv.StartProxy(testenv.TemporalAddress(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := engine.Dial(ctx, engine.Options{Address: proxy.Addr(), Namespace: "default"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	in := inbox.New(pool)
	m, _ := telemetry.NewMetrics()
	r := &relay.Relay{Inbox: in, DB: pool, Temporal: c, TaskQueue: tq, Settings: workflows.OrderSettings{ReviewRequestDelay: time.Hour}, Logger: testenv.QuietLogger()}
	if err := r.Register(m.Registry); err != nil { // on /metrics, as serve has it
		t.Fatal(err)
	}
	go r.Run(ctx)

	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{
			"SHIPFLOW_ADMIN_TOKENS":            "admin",
			"SHIPFLOW_VOICE_TOKENS":            "voice",
			"SHIPFLOW_VOICE_SOURCE":            "workflow", // the path with a fallback to exercise
			"SHIPFLOW_VOICE_DEADLINE":          "800ms",
			"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": commerceSecret,
			"SHIPFLOW_CARRIER_WEBHOOK_SECRET":  carrierSecret,
			"SHOPIFY_WEBHOOK_SECRET":           shopifySecret,
			"WOOCOMMERCE_WEBHOOK_SECRET":       wooSecret,
			"AFTERSHIP_WEBHOOK_SECRET":         aftershipSecret,
			"EASYPOST_WEBHOOK_SECRET":          easypostSecret,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.TaskQueue = tq
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	feed := changes.New(pool, testenv.QuietLogger())
	go feed.Run(ctx)
	srv := httptest.NewServer(server.New(server.Deps{
		Config: cfg, DB: pool, Temporal: c, Logger: testenv.QuietLogger(), Metrics: m, Inbox: in, Changes: feed,
		ShipEngineKeys: signature.StaticKeys{shipEngineKeyID: &key.PublicKey}, Secrets: testenv.SecretCodec(t),
	}))
	testenv.AtExit(func() {
		srv.Close()
		cancel()
		w.Stop()
		c.Close()
		proxy.Close()
	})
	return &stack{url: srv.URL, temporal: proxy, notes: n, shipKey: key}
}

// notes records the customer messages the workflows asked for, per order, as
// "milestone/shipment/channel".
type notes struct {
	mu   sync.Mutex
	sent map[string][]string
	full []notify.Request // every request as asked, for tests that render them
}

func (n *notes) Notify(_ context.Context, x notify.Request) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent[x.OrderID] = append(n.sent[x.OrderID], string(x.Milestone)+"/"+x.ShipmentID+"/"+string(x.Channel))
	n.full = append(n.full, x)
	if strings.HasPrefix(x.OrderID, refusedPrefix) {
		return &notify.PermanentError{Err: errors.New("the provider refused the number")}
	}
	return nil
}

// refusedPrefix marks orders whose every customer message the providers refuse.
const refusedPrefix = "refused-"

// want waits until the order's notifications are exactly want, in any order: each is sent
// by its own activity, which may finish after the status changed and before or after another.
func (n *notes) want(t *testing.T, orderID string, want ...string) {
	t.Helper()
	slices.Sort(want)
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got = n.of(orderID)
		slices.Sort(got)
		if slices.Equal(got, want) {
			return
		}
	}
	t.Errorf("order %s notifications %v, want %v", orderID, got, want)
}

func (n *notes) of(orderID string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.sent[orderID]...)
}

// post sends body with headers and returns the status and decoded JSON answer.
func (s *stack) post(t *testing.T, path string, h http.Header, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("POST %s: %d with a body that is not JSON: %q", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// admin calls the admin API with the stack's token.
func (s *stack) admin(t *testing.T, method, path string) (int, map[string]any) {
	t.Helper()
	return s.adminBody(t, method, path, "")
}

// adminBody is admin with a JSON body.
func (s *stack) adminBody(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %d with a body that is not JSON", method, path, resp.StatusCode)
	}
	return resp.StatusCode, out
}

// mustAccept posts and fails the test unless the delivery was acknowledged.
func (s *stack) mustAccept(t *testing.T, path string, h http.Header, body []byte) map[string]any {
	t.Helper()
	status, out := s.post(t, path, h, body)
	if status != http.StatusOK {
		t.Fatalf("POST %s: %d %v", path, status, out)
	}
	return out
}

// commerce signs a shipflow commerce event (Standard Webhooks).
func commerce(t *testing.T, id, typ string, data any) (http.Header, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": typ, "timestamp": time.Now().UTC().Format(time.RFC3339), "data": data})
	h, err := signature.Headers([]string{commerceSecret}, id, time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	return h, body
}

// sendCommerce signs and posts a commerce event, failing the test unless it is acknowledged.
func (s *stack) sendCommerce(t *testing.T, id, typ string, data any) {
	t.Helper()
	h, body := commerce(t, id, typ, data)
	s.mustAccept(t, "/webhooks/commerce", h, body)
}

func created(orderID string) map[string]any {
	return map[string]any{
		"order_id": orderID,
		"customer": map[string]any{"name": "Ona Petraitė", "email": "ona@example.com", "phone": "+37060000000", "locale": "lt", "time_zone": "Europe/Vilnius"},
		"notify":   map[string]any{"channels": []string{"sms", "email"}},
		"items":    []map[string]any{{"sku": "SHOE-1", "name": "Shoes", "quantity": 1}},
	}
}

func shipped(orderID, shipmentID, carrier, tracking string) map[string]any {
	return map[string]any{"order_id": orderID, "shipment": map[string]any{
		"shipment_id": shipmentID, "carrier": carrier, "tracking_number": tracking, "items": []string{"SHOE-1"},
		"estimated_delivery": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339),
	}}
}

func hmacHeader(name, value string) http.Header {
	h := http.Header{}
	h.Set(name, value)
	return h
}

// shipEngine signs like ShipEngine: RSA-SHA256 over "<timestamp>.<body>".
func (s *stack) shipEngine(t *testing.T, body []byte) http.Header {
	t.Helper()
	ts := time.Now().UTC().Format(time.RFC3339)
	sum := sha256.Sum256([]byte(ts + "." + string(body)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.shipKey, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("x-shipengine-rsa-sha256-key-id", shipEngineKeyID)
	h.Set("x-shipengine-rsa-sha256-signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("x-shipengine-timestamp", ts)
	return h
}

// awaitOrder waits until the order's workflow view satisfies ok, and returns that view.
func awaitOrder(t *testing.T, orderID string, what string, ok func(order.View) bool) order.View {
	t.Helper()
	var v order.View
	var last string
	testenv.Eventually(t, 30*time.Second, func() bool {
		var err error
		v, err = workflows.QueryOrder(context.Background(), testenv.Temporal(t), orderID)
		last = fmt.Sprintf("%s with %d shipments (err %v)", v.Status, len(v.Shipments), err)
		return err == nil && ok(v)
	}, "order %s never reached %s: last %s", orderID, what, testenv.Last(&last))
	return v
}

func statusIs(st order.Status) func(order.View) bool {
	return func(v order.View) bool { return v.Status == st }
}

func uniqueID(prefix string) string { return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()) }

// signedCarrier signs a generic carrier webhook.
func signedCarrier(t *testing.T, id string, body []byte) http.Header {
	t.Helper()
	h, err := signature.Headers([]string{carrierSecret}, id, time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
