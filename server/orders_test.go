package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

func TestOrderAPI(t *testing.T) {
	s := newStack(t)
	carrier := uniqueID("CARRIER")
	var ids []string
	for i := range 3 {
		id := uniqueID(fmt.Sprintf("api%d", i))
		ids = append(ids, id)
		s.sendCommerce(t, id+"-c", "order.created", created(id))
		s.sendCommerce(t, id+"-s", "order.shipped", shipped(id, "S1", carrier, "API"+id))
		awaitOrder(t, id, "shipped", statusIs(order.StatusShipped))
	}
	waitProjected := func(id string, st order.Status) map[string]any {
		t.Helper()
		var out map[string]any
		testenv.Eventually(t, 10*time.Second, func() bool {
			var code int
			code, out = s.admin(t, http.MethodGet, "/v1/orders/"+id)
			return code == http.StatusOK && out["status"] == string(st)
		}, "GET order %s: %v", id, testenv.Last(&out))
		return out
	}
	got := waitProjected(ids[0], order.StatusShipped)
	for _, field := range []string{"order_id", "status", "customer", "shipments", "exception", "timeline"} {
		if _, ok := got[field]; !ok {
			t.Errorf("order view lacks %q: %v", field, got)
		}
	}
	sh := got["shipments"].([]any)[0].(map[string]any)
	for _, field := range []string{"shipment_id", "carrier", "tracking_number", "status", "substatus", "last_location", "estimated_delivery", "last_event_at"} {
		if _, ok := sh[field]; !ok {
			t.Errorf("shipment lacks %q: %v", field, sh)
		}
	}
	if code, _ := s.admin(t, http.MethodGet, "/v1/orders/no-such-order"); code != http.StatusNotFound {
		t.Errorf("unknown order: %d", code)
	}
	for _, id := range ids {
		waitProjected(id, order.StatusShipped)
	}

	// List: filtered by carrier, newest first, two pages.
	code, page := s.admin(t, http.MethodGet, "/v1/orders?carrier="+carrier+"&limit=2")
	if code != http.StatusOK || len(page["orders"].([]any)) != 2 || page["next_cursor"] == nil {
		t.Fatalf("first page: %d %v", code, page)
	}
	first := page["orders"].([]any)[0].(map[string]any)["order_id"]
	_, page2 := s.admin(t, http.MethodGet, "/v1/orders?carrier="+carrier+"&limit=2&cursor="+page["next_cursor"].(string))
	if len(page2["orders"].([]any)) != 1 || first != ids[2] {
		t.Errorf("pages: first %v (want newest %s), second page %v", first, ids[2], page2)
	}
	_, byTracking := s.admin(t, http.MethodGet, "/v1/orders?tracking_number=api"+ids[1])
	if os := byTracking["orders"].([]any); len(os) != 1 || os[0].(map[string]any)["order_id"] != ids[1] {
		t.Errorf("by tracking number: %v", byTracking)
	}
	for _, q := range []string{"status=lost", "limit=0", "cursor=zzz"} {
		if code, _ := s.admin(t, http.MethodGet, "/v1/orders?"+q); code != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", q, code)
		}
	}

	// Resolve: nothing open, then an exception resolved.
	path := "/v1/orders/" + ids[0] + "/exception/resolve"
	if code, out := s.adminBody(t, http.MethodPost, path, `{"note":"checked"}`); code != http.StatusConflict {
		t.Errorf("resolve with none open: %d %v", code, out)
	}
	if code, _ := s.adminBody(t, http.MethodPost, path, `{}`); code != http.StatusBadRequest {
		t.Errorf("resolve without note: %d", code)
	}
	body, _ := json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"carrier": carrier, "tracking_number": "API" + ids[0], "status": "exception", "description": "damaged", "occurred_at": time.Now().UTC().Format(time.RFC3339)}})
	s.mustAccept(t, "/webhooks/carriers/generic", signedCarrier(t, ids[0]+"-x", body), body)
	awaitOrder(t, ids[0], "exception", statusIs(order.StatusException))
	if code, out := s.adminBody(t, http.MethodPost, path, `{"note":"parcel re-sent","by":"ops@shop"}`); code != http.StatusOK || out["exception"] != nil {
		t.Errorf("resolve: %d %v", code, out)
	}
}

func TestOrderStreamSendsEveryChange(t *testing.T) {
	s := newStack(t)
	id := uniqueID("stream")
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/orders/"+id+"/stream", nil)
		req.Header.Set("Authorization", "Bearer admin")
		var err error
		if resp, err = http.DefaultClient.Do(req); err == nil && resp.StatusCode == http.StatusOK {
			break
		}
	}
	if resp == nil || resp.StatusCode != http.StatusOK {
		t.Fatal("stream never opened")
	}
	defer resp.Body.Close()
	events := make(chan order.View, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var v order.View
				if json.Unmarshal([]byte(data), &v) == nil {
					events <- v
				}
			}
		}
		close(events)
	}()
	wait := func(st order.Status) {
		t.Helper()
		for {
			select {
			case v, ok := <-events:
				if !ok {
					t.Fatalf("stream ended before %s", st)
				}
				if v.Status == st {
					return
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("no %s event on the stream", st)
			}
		}
	}
	wait(order.StatusCreated)
	s.sendCommerce(t, id+"-conf", "order.confirmed", map[string]any{"order_id": id})
	wait(order.StatusConfirmed)
}
