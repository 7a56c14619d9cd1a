package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/outbound/connectortest"
)

const stackZapierKey = "zk_stack_0123456789abcdef0123"

// zapierCall calls /zapier/v1 with the stack's Zapier key, as Zapier's API Key auth does.
func (s *stack) zapierCall(method, path string, body any) (int, map[string]any) {
	s.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(b))
	req.Header.Set("X-API-Key", stackZapierKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// shipDPD sends order id's order.created, order.confirmed and order.shipped with a DPD parcel.
func (s *stack) shipDPD(id, tracking string) {
	s.t.Helper()
	s.confirm(id, map[string]any{"name": "Ona", "email": "ona@example.com", "locale": "en", "time_zone": "UTC"}, "email")
	shipped, _ := json.Marshal(map[string]any{"type": "order.shipped", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"order_id": id,
		"shipment": map[string]any{"shipment_id": "S1", "carrier": "dpd", "tracking_number": tracking, "items": []string{"SKU-1"}},
	}})
	r := webhookRequest{path: "/webhooks/commerce", secret: stackSecret, id: id + "-shipped", body: shipped}
	if err := r.send(http.DefaultClient, s.base); err != nil {
		s.t.Fatal(err)
	}
}

// TestZapierTriggerThroughTheWholePath runs a Zap's REST Hook trigger through the whole path:
// Zapier subscribes its hook to "New Tracking Number" with the Zapier key; an order shipped by
// signed commerce events reaches the hook as one flat object while the hooks are down (503,
// retried on the schedule after Retry-After, then delivered once they are back, the attempt
// log showing both); a "Webhooks by Zapier" catch hook added through the admin API gets the
// same events; and once the Zap is turned off (410) the next event deletes the subscription.
func TestZapierTriggerThroughTheWholePath(t *testing.T) {
	z := connectortest.NewZapier(t)
	s := startStack(t, map[string]string{
		"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
		"SHIPFLOW_WEBHOOK_ALLOW_HTTP":    "true",
		"SHIPFLOW_ZAPIER_API_KEYS":       stackZapierKey,
		"SHIPFLOW_TRACKING_SECRET":       "stack-tracking-secret",
	})
	hook := z.NewHook()
	code, sub := s.zapierCall(http.MethodPost, "/zapier/v1/subscriptions", map[string]any{"hookUrl": hook, "event": "tracking_number_added"})
	if code != http.StatusCreated {
		t.Fatalf("subscribe: %d %v", code, sub)
	}
	subID, _ := sub["id"].(string)
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), testenv.DB(t), subID) })

	catch := z.NewHook()
	body, _ := json.Marshal(map[string]any{"kind": "zapier", "url": catch, "event_types": []string{"order.shipped"}, "description": "catch hook"})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/v1/webhook-endpoints", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer ops-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ep outbound.Endpoint
	_ = json.NewDecoder(resp.Body).Decode(&ep)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || ep.Kind != outbound.KindZapier || ep.URL == catch || ep.Secret != "" {
		t.Fatalf("catch hook through the admin API: %d %+v, want a zapier destination, URL masked, no secret", resp.StatusCode, ep)
	}
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), testenv.DB(t), ep.ID) })

	// The hooks are down when the parcel ships: the first attempt meets 503 and Retry-After.
	z.Down(0)
	id := fmt.Sprintf("zap-%d", time.Now().UnixNano())
	s.shipDPD(id, "05212345678901")
	var failed map[string]any
	testenv.Eventually(t, 45*time.Second, func() bool {
		_, page := call(t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+subID+"/deliveries", "ops-token")
		ds, _ := page["deliveries"].([]any)
		for _, x := range ds {
			if d, _ := x.(map[string]any); d["order_id"] == id && d["attempts"] == float64(1) && d["status"] == "pending" {
				failed = d
				return true
			}
		}
		return false
	}, "no failed first attempt at the subscription's delivery")
	z.Up()
	testenv.Eventually(t, 30*time.Second, func() bool { return len(z.Posts(hook)) > 0 && len(z.Posts(catch)) > 0 },
		"the hooks got nothing once they were back")
	p := z.Posts(hook)[0]
	for field, want := range map[string]string{"order_id": id, "event": "order.shipped", "trigger": "tracking_number_added",
		"carrier": "DPD", "tracking_number": "05212345678901", "customer_email": "ona@example.com", "status": "shipped"} {
		if got := p.String(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	if u := p.String("tracking_url"); len(u) < len("http://x/track/") {
		t.Errorf("tracking_url %q", u)
	}
	if n := len(z.Posts(hook)); n != 1 {
		t.Errorf("the hook got %d posts, want the event once", n)
	}
	code, d := call(t, http.MethodGet, s.base+"/v1/webhook-deliveries/"+failed["id"].(string), "ops-token")
	log, _ := d["attempt_log"].([]any)
	if code != http.StatusOK || d["status"] != "delivered" || len(log) != 2 {
		t.Fatalf("delivery %d %v, want delivered on the second attempt", code, d)
	}
	first, _ := log[0].(map[string]any)
	second, _ := log[1].(map[string]any)
	at1, _ := time.Parse(time.RFC3339Nano, first["attempted_at"].(string))
	at2, _ := time.Parse(time.RFC3339Nano, second["attempted_at"].(string))
	if first["status_code"] != float64(503) || first["outcome"] != "retry" || second["outcome"] != "delivered" || at2.Sub(at1) < 5*time.Second {
		t.Errorf("attempt log %v, want 503 retried on the schedule (5 s) then delivered", log)
	}

	// The Zap is turned off: Zapier answers the next event 410 and the subscription goes.
	z.TurnOff(hook)
	s.shipDPD(id+"-b", "05212345678902")
	testenv.Eventually(t, 45*time.Second, func() bool {
		code, _ := call(t, http.MethodGet, s.base+"/v1/webhook-endpoints/"+subID, "ops-token")
		return code == http.StatusNotFound
	}, "the subscription of a turned-off Zap is still there")
	testenv.Eventually(t, 30*time.Second, func() bool { return len(z.Posts(catch)) == 2 }, "the catch hook did not get the second event")
	if code, _ := s.zapierCall(http.MethodDelete, "/zapier/v1/subscriptions/"+subID, nil); code != http.StatusNoContent {
		t.Errorf("Zapier's unsubscribe of a subscription already gone: %d, want 204", code)
	}
}
