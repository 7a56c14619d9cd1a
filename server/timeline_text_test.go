package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

// TestNotificationFailedTimelineText: when the shipped message fails on every channel, the
// order's timeline in the API says which channels failed and why, with no empty part; it read
// "shipped via : sms: ..." before.
func TestNotificationFailedTimelineText(t *testing.T) {
	s := newStack(t)
	id := uniqueID(refusedPrefix + "text")
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	s.sendCommerce(t, id+"-s1", "order.shipped", shipped(id, "S1", "DPD", "TT"+strings.ReplaceAll(id, "-", "")[:20]))

	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && got == ""; time.Sleep(100 * time.Millisecond) {
		code, body := s.admin(t, http.MethodGet, "/v1/orders/"+id)
		if code != http.StatusOK {
			continue
		}
		tl, _ := body["timeline"].([]any)
		for _, e := range tl {
			if m, _ := e.(map[string]any); m["type"] == order.EntryNotificationFailed {
				got, _ = m["description"].(string)
			}
		}
	}
	const want = "shipped: sms: the provider refused the number; email: the provider refused the number"
	if got != want {
		t.Errorf("timeline text %q, want %q", got, want)
	}
	if strings.Contains(got, " : ") || strings.Contains(got, "via :") {
		t.Errorf("timeline text %q has an empty part", got)
	}
}
