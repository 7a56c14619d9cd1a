package outbound_test

// Issue 19, item 6: subscribers configure endpoints as Svix users expect. Custom headers go
// with every attempt and never come back whole; a test event goes out on demand and is
// recorded like any delivery; the event catalogue's examples look like the real events. These
// run on the package's real Postgres and Temporal, through the server's API.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
)

// gatewayToken is a header value that must reach the receiver and never an API answer.
const gatewayToken = "Bearer gw-7d1c0e5a9b3f4e2d8c6a"

// endpointWithHeaders creates an endpoint through the API with headers, and returns it and
// the raw answer.
func (h *harness) endpointWithHeaders(url string, headers map[string]string, types ...string) (outbound.Endpoint, string) {
	h.t.Helper()
	if types == nil {
		types = []string{}
	}
	body, _ := json.Marshal(map[string]any{"url": url, "event_types": types, "headers": headers})
	var raw json.RawMessage
	if code := h.call(http.MethodPost, "/v1/webhook-endpoints", string(body), &raw); code != http.StatusCreated {
		h.t.Fatalf("create endpoint: %d %s", code, raw)
	}
	var e outbound.Endpoint
	if err := json.Unmarshal(raw, &e); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = outbound.DeleteEndpoint(h.ctx, h.pool, e.ID) })
	return e, string(raw)
}

// shownHeaders is the headers object of an endpoint answer.
func shownHeaders(t *testing.T, raw string) map[string]string {
	t.Helper()
	var v struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatal(err)
	}
	return v.Headers
}

func TestEndpointHeadersGoWithEveryAttemptAndAreNeverShown(t *testing.T) {
	h := newHarness(t, 0)
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 { // the first request fails: its retry is the delivery workflow's
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	ep, created := h.endpointWithHeaders(rcv.URL, map[string]string{"Authorization": gatewayToken, "X-Tenant": "acme"})
	if strings.Contains(created, "gw-7d1c") || strings.Contains(created, "acme") {
		t.Errorf("create answer shows a header value: %s", created)
	}
	if got := shownHeaders(t, created); got["Authorization"] != "Be********" || got["X-Tenant"] != "********" {
		t.Errorf("create answer headers %v", got)
	}
	var raw json.RawMessage
	h.call(http.MethodGet, "/v1/webhook-endpoints/"+ep.ID, "", &raw)
	h.call(http.MethodGet, "/v1/webhook-endpoints", "", &raw)
	if strings.Contains(string(raw), "gw-7d1c") || !strings.Contains(string(raw), `"Authorization":"Be********"`) {
		t.Errorf("endpoint answers show %s", raw)
	}

	id := h.order(order.EventShipped)
	testenv.Eventually(t, 30*time.Second, func() bool { return len(rcv.of(id)) == 3 }, "created, shipped, and shipped's retry")
	for i, hi := range rcv.of(id) {
		if hi.header.Get("Authorization") != gatewayToken || hi.header.Get("X-Tenant") != "acme" {
			t.Errorf("request %d (%s attempt %d) headers %v", i+1, hi.meta.Type, hi.meta.Metadata.Attempt, hi.header)
		}
		if !verifies(ep.Secret, hi) || hi.header.Get("Content-Type") != "application/json" || hi.header.Get("User-Agent") != outbound.UserAgent {
			t.Errorf("request %d: signature or shipflow's own headers broken: %v", i+1, hi.header)
		}
	}
	if hits := rcv.of(id); hits[2].meta.Metadata.Attempt != 2 || hits[2].header.Get("webhook-id") != hits[0].header.Get("webhook-id") {
		t.Errorf("third request %s attempt %d, want the first's retry", hits[2].meta.Type, hits[2].meta.Metadata.Attempt)
	}
}

func TestPatchMergesHeaders(t *testing.T) {
	h := newHarness(t, 0)
	ep, _ := h.endpointWithHeaders("https://erp.example.com/hooks", map[string]string{"Authorization": gatewayToken, "X-Tenant": "acme", "X-Old": "1"})
	patch := func(body string) (int, string) {
		var raw json.RawMessage
		code := h.call(http.MethodPatch, "/v1/webhook-endpoints/"+ep.ID, body, &raw)
		return code, string(raw)
	}
	stored := func() outbound.Headers {
		e, err := outbound.GetEndpoint(h.ctx, h.pool, ep.ID)
		if err == nil {
			e, err = e.Open(testenv.SecretCodec(t)) // stored sealed
		}
		if err != nil {
			t.Fatal(err)
		}
		return e.Headers
	}
	// Set one (in another case: it replaces), remove one, add one; the rest stay.
	code, raw := patch(`{"headers":{"authorization":"Bearer new-token-0000","X-Old":null,"X-Region":"eu"}}`)
	if code != http.StatusOK {
		t.Fatalf("patch: %d %s", code, raw)
	}
	want := outbound.Headers{"authorization": "Bearer new-token-0000", "X-Tenant": "acme", "X-Region": "eu"}
	if got := stored(); !mapsEqual(got, want) {
		t.Errorf("after merge %v, want %v", got, want)
	}
	if got := shownHeaders(t, raw); got["authorization"] != "Be********" || len(got) != 3 {
		t.Errorf("patch answer headers %v", got)
	}
	// Other fields leave them alone.
	if code, raw := patch(`{"description":"ERP"}`); code != http.StatusOK || len(stored()) != 3 {
		t.Errorf("patch without headers: %d %s, %v", code, raw, stored())
	}
	// A merge that would break a cap changes nothing.
	many := map[string]string{}
	for i := range 18 {
		many[fmt.Sprintf("X-N%d", i)] = "v"
	}
	b, _ := json.Marshal(map[string]any{"headers": many})
	if code, raw := patch(string(b)); code != http.StatusBadRequest || !strings.Contains(raw, "invalid_field") || len(stored()) != 3 {
		t.Errorf("patch to 21 headers: %d %s, stored %d", code, raw, len(stored()))
	}
	// null removes them all.
	if code, raw := patch(`{"headers":null}`); code != http.StatusOK || len(stored()) != 0 || !strings.Contains(raw, `"headers":{}`) {
		t.Errorf("patch null: %d %s, %v", code, raw, stored())
	}
}

// sameJSON compares documents as values: Postgres's jsonb keeps an event's data with its keys
// in its own order, for real events as for tests.
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestHostileHeadersAreRefused(t *testing.T) {
	h := newHarness(t, 0)
	start := time.Now()
	long := strings.Repeat("v", 5000)
	for _, body := range []string{
		`{"url":"https://erp.example.com/hooks","headers":{"webhook-signature":"v1,forged"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"Webhook-Id":"evt_1"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"Content-Type":"text/plain"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"Content-Length":"0"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"Host":"evil.example"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"Transfer-Encoding":"chunked"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"Connection":"close"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A":"a\r\nX-Injected: 1"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A":"a\u0000b"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A":"caf\u00e9"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X A":"b"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A\n":"b"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"":"b"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A":""}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A":null}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A":7}}`,
		`{"url":"https://erp.example.com/hooks","headers":["X-A"]}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-Key":"a","x-key":"b"}}`,
		`{"url":"https://erp.example.com/hooks","headers":{"X-A":"` + long + `"}}`,
	} {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		code := h.call(http.MethodPost, "/v1/webhook-endpoints", body, &e)
		if code != http.StatusBadRequest || e.Error.Code == "" || e.Error.Message == "" || len(e.Error.Message) > 300 ||
			strings.ContainsAny(e.Error.Message, "\r\n\x00") {
			t.Errorf("%.90s: %d %+v", body, code, e)
		}
	}
	if n := count(t, h.pool, `SELECT count(*) FROM webhook_endpoints WHERE created_at >= $1`, start); n != 0 {
		t.Errorf("%d endpoints stored from refused requests", n)
	}
}

// testDelivery is a test endpoint answer: the delivery with its attempt.
type testDelivery struct {
	outbound.Delivery
	Error struct{ Code, Message string } `json:"error"`
}

func (h *harness) test(endpointID, body string) (int, testDelivery) {
	h.t.Helper()
	var d testDelivery
	code := h.call(http.MethodPost, "/v1/webhook-endpoints/"+endpointID+"/test", body, &d)
	return code, d
}

func TestTestEventIsSignedRecordedAndCapped(t *testing.T) {
	h := newHarness(t, 0)
	rcv := newReceiver(t, nil)
	// Subscribed to another type, and disabled: a test reaches it all the same.
	ep, _ := h.endpointWithHeaders(rcv.URL, map[string]string{"Authorization": gatewayToken}, "order.cancelled")
	if code := h.call(http.MethodPatch, "/v1/webhook-endpoints/"+ep.ID, `{"enabled":false}`, nil); code != http.StatusOK {
		t.Fatalf("disable: %d", code)
	}

	code, d := h.test(ep.ID, "")
	if code != http.StatusOK || d.Status != outbound.DeliveryDelivered || d.Attempts != 1 || len(d.Log) != 1 || d.Log[0].StatusCode != 204 {
		t.Fatalf("test: %d %+v", code, d)
	}
	hits := rcv.got()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests", len(hits))
	}
	hi := hits[0]
	if !verifies(ep.Secret, hi) || hi.header.Get("Authorization") != gatewayToken {
		t.Errorf("test request not signed or without the endpoint's headers: %v", hi.header)
	}
	var body outbound.Body
	if err := json.Unmarshal(hi.body, &body); err != nil {
		t.Fatal(err)
	}
	example, _ := outbound.ExampleBody(outbound.DefaultTestType)
	if body.Type != string(outbound.DefaultTestType) || !body.Metadata.Test || body.Metadata.EventID != hi.header.Get("webhook-id") ||
		!strings.HasPrefix(body.Metadata.EventID, "evt_test_") || !sameJSON(body.Data, example.Data) || d.EventID != body.Metadata.EventID {
		t.Errorf("test body %s (delivery event %s)", hi.body, d.EventID)
	}
	if time.Since(body.Timestamp).Abs() > time.Minute {
		t.Errorf("test event timestamp %s, want now", body.Timestamp)
	}

	// Another type, named; it is listed among the endpoint's deliveries.
	if code, d := h.test(ep.ID, `{"event_type":"shipment.exception"}`); code != http.StatusOK || d.Type != "shipment.exception" {
		t.Errorf("test shipment.exception: %d %+v", code, d)
	}
	var page outbound.DeliveryPage
	h.call(http.MethodGet, "/v1/webhook-endpoints/"+ep.ID+"/deliveries", "", &page)
	if len(page.Deliveries) != 2 || page.Deliveries[0].Type != "shipment.exception" {
		t.Errorf("deliveries %+v", page.Deliveries)
	}
	if hits := rcv.got(); len(hits) != 2 || hits[1].header.Get("webhook-id") == hits[0].header.Get("webhook-id") {
		t.Error("two tests share a webhook-id: a receiver would drop the second")
	}

	for _, bad := range []struct {
		path, body string
		code       int
	}{
		{ep.ID, `{"event_type":"order.teleported"}`, http.StatusBadRequest},
		{ep.ID, `{"event_type":"` + strings.Repeat("x", 500) + `"}`, http.StatusBadRequest},
		{ep.ID, `{"type":"order.shipped"}`, http.StatusBadRequest},
		{ep.ID, `{`, http.StatusBadRequest},
		{"ep_missing", ``, http.StatusNotFound},
	} {
		if code, d := h.test(bad.path, bad.body); code != bad.code || d.Error.Code == "" {
			t.Errorf("test %s %q: %d %+v", bad.path, bad.body, code, d.Error)
		}
	}

	// The cap: 5 a minute per endpoint, then 429 with Retry-After, nothing sent.
	for i := 3; i <= 5; i++ {
		if code, _ := h.test(ep.ID, ""); code != http.StatusOK {
			t.Fatalf("test %d: %d", i, code)
		}
	}
	req := "/v1/webhook-endpoints/" + ep.ID + "/test"
	var e testDelivery
	if code := h.call(http.MethodPost, req, "", &e); code != http.StatusTooManyRequests || e.Error.Code != "rate_limited" {
		t.Errorf("sixth test in a minute: %d %+v", code, e.Error)
	}
	if n := len(rcv.got()); n != 5 {
		t.Errorf("receiver got %d tests, want 5", n)
	}
}

// A test that fails is recorded failed, not retried on the schedule, and a person's retry
// sends it again, from the test events, with its headers.
func TestFailedTestEventIsRetriedByHand(t *testing.T) {
	h := newHarness(t, 0)
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	ep, _ := h.endpointWithHeaders(rcv.URL, map[string]string{"X-Tenant": "acme"})
	code, d := h.test(ep.ID, `{"event_type":"order.delivered"}`)
	if code != http.StatusOK || d.Status != outbound.DeliveryFailed || len(d.Log) != 1 || d.Log[0].StatusCode != 500 {
		t.Fatalf("failing test: %d %+v", code, d)
	}
	time.Sleep(6 * time.Second) // past the schedule's first wait: nothing comes
	if n := len(rcv.got()); n != 1 {
		t.Fatalf("a failed test was retried on the schedule: %d requests", n)
	}
	if code := h.call(http.MethodPost, "/v1/webhook-deliveries/"+d.ID+"/retry", "", nil); code != http.StatusAccepted {
		t.Fatalf("retry: %d", code)
	}
	got := h.waitStatus(d.ID, outbound.DeliveryDelivered, 20*time.Second)
	hits := rcv.got()
	if len(got.Log) != 2 || len(hits) != 2 || hits[1].header.Get("X-Tenant") != "acme" || !verifies(ep.Secret, hits[1]) ||
		hits[1].header.Get("webhook-id") != hits[0].header.Get("webhook-id") || hits[1].meta.Metadata.Attempt != 2 {
		t.Errorf("retried test: log %+v, hits %d", got.Log, len(hits))
	}
}

// keyPaths lists the object keys of a JSON document, as paths (arrays as []).
func keyPaths(prefix string, v any, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out[prefix+"."+k] = true
			keyPaths(prefix+"."+k, x, out)
		}
	case []any:
		for _, x := range v {
			keyPaths(prefix+"[]", x, out)
		}
	}
}

// A real event's body has no field its catalogue example lacks: a subscriber coding against
// the examples decodes what it receives.
func TestCatalogueExamplesLookLikeRealEvents(t *testing.T) {
	h := newHarness(t, 0)
	rcv := newReceiver(t, nil)
	h.endpoint(rcv.URL)
	id := h.order(order.EventConfirmed, order.EventPacked, order.EventShipped)
	testenv.Eventually(t, 20*time.Second, func() bool { return len(rcv.of(id)) == 4 }, "created, confirmed, packed, shipped")
	var e struct {
		EventTypes []outbound.EventType `json:"event_types"`
	}
	if code := h.call(http.MethodGet, "/v1/event-types", "", &e); code != http.StatusOK || len(e.EventTypes) != len(order.PublishTypes()) {
		t.Fatalf("event-types: %d, %d types", code, len(e.EventTypes))
	}
	for _, hi := range rcv.of(id) {
		i := slices.IndexFunc(e.EventTypes, func(et outbound.EventType) bool { return et.Name == hi.meta.Type })
		if i < 0 || e.EventTypes[i].Example == nil {
			t.Errorf("%s is not in the catalogue", hi.meta.Type)
			continue
		}
		exBody, _ := json.Marshal(e.EventTypes[i].Example)
		var real, ex any
		_ = json.Unmarshal(hi.body, &real)
		_ = json.Unmarshal(exBody, &ex)
		realKeys, exKeys := map[string]bool{}, map[string]bool{}
		keyPaths("", real, realKeys)
		keyPaths("", ex, exKeys)
		for k := range realKeys {
			if !exKeys[k] {
				t.Errorf("%s: the real event has %s, the example does not", hi.meta.Type, k)
			}
		}
	}
}
