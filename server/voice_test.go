package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

func (s *stack) voiceCall(t *testing.T, callID string, params map[string]any) (int, map[string]any, time.Duration) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"event": "tool.invoked", "call_id": callID, "tool_name": "lookup_shipment_status",
		"parameters": params, "metadata": map[string]any{"timestamp": time.Now().UTC().Format(time.RFC3339)}})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/voice/tools", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer voice")
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, time.Since(start)
}

func TestVoiceLookupOverHTTP(t *testing.T) {
	s := newStack(t)
	id := uniqueID("voice")
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	s.sendCommerce(t, id+"-s1", "order.shipped", shipped(id, "S1", "DPD", "V1"+id))
	s.sendCommerce(t, id+"-s2", "order.shipped", shipped(id, "S2", "Omniva", "V2"+id))
	eventually(t, id, "shipped", statusIs(order.StatusShipped))

	code, out, _ := s.voiceCall(t, "call-1-"+id, map[string]any{"order_number": id, "caller_phone": "+370 600 00000"})
	if code != http.StatusOK || out["status"] != "success" || out["ai_instructions"] == "" {
		t.Fatalf("lookup: %d %v", code, out)
	}
	if data := out["data"].(map[string]any); len(data["shipments"].([]any)) != 2 {
		t.Errorf("a split order answered without its shipments: %v", data)
	}
	if _, out, _ := s.voiceCall(t, "call-2-"+id, map[string]any{"order_number": id, "caller_phone": "+37069999999"}); out["status"] != "verification_required" || len(out["data"].(map[string]any)) > 2 {
		t.Errorf("wrong caller: %v", out)
	}
	if _, out, _ := s.voiceCall(t, "call-3-"+id, map[string]any{"order_number": "nope-" + id, "caller_phone": "+37060000000"}); out["status"] != "not_found" {
		t.Errorf("unknown order: %v", out)
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/voice/tools", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer admin") // an admin token is not a voice token
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("admin token on /voice: %v %v", resp.StatusCode, err)
	}
}

// TestVoiceAnswersFromTheReadModelWhenTheWorkflowCannot cuts Temporal off from the server, as a
// stopped worker or engine would: the workflow query cannot answer, and the read model must.
func TestVoiceAnswersFromTheReadModelWhenTheWorkflowCannot(t *testing.T) {
	s := newStack(t)
	id := uniqueID("fallback")
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	s.sendCommerce(t, id+"-s", "order.shipped", shipped(id, "S1", "DPD", "FB"+id))
	eventually(t, id, "shipped", statusIs(order.StatusShipped))
	// Wait for the read model itself: the order API would answer from the workflow meanwhile.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v, _, err := db.GetOrder(context.Background(), testenv.DB(t), id); err == nil && v.Status == order.StatusShipped {
			break
		}
	}
	s.temporal.Cut()
	defer s.temporal.Restore()
	code, out, took := s.voiceCall(t, "call-fb-"+id, map[string]any{"order_number": id, "caller_phone": "+37060000000"})
	if code != http.StatusOK || out["status"] != "success" {
		t.Fatalf("with the workflow unreachable: %d %v", code, out)
	}
	// The deadline itself is enforced, and tested, in package voice.
	t.Logf("answered from the read model in %s with the workflow unreachable", took)
}
