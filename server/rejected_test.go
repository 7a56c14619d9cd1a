package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// Issue 14, "nothing acknowledged is ever stuck": a delivery acknowledged with 200 that can
// never apply (here one for an order that has finished) is rejected through the real path,
// webhook to relay to Temporal, and staff see it in GET /v1/inbound-events?status=rejected
// with its reason, after one try, and on /metrics as shipflow_inbox_relayed_total{outcome="rejected"}.
func TestRejectedDeliveryIsListedAndCounted(t *testing.T) {
	s := newStack(t)
	orderID := uniqueID("rejected")
	s.sendCommerce(t, orderID+"-c", "order.created", created(orderID))
	s.sendCommerce(t, orderID+"-x", "order.cancelled", map[string]any{"order_id": orderID, "reason": "customer asked"})
	awaitOrder(t, orderID, "cancelled", statusIs(order.StatusCancelled))
	if err := testenv.Temporal(t).GetWorkflow(context.Background(), workflows.WorkflowID(orderID), "").Get(context.Background(), nil); err != nil {
		t.Fatalf("the cancelled order did not finish: %v", err)
	}
	before := s.relayed(t, "rejected")

	late := orderID + "-late"
	s.sendCommerce(t, late, "order.packed", map[string]any{"order_id": orderID})
	waitInbox(t, orderID, "rejected", 1)

	status, out := s.admin(t, http.MethodGet, "/v1/inbound-events?status=rejected&limit=200")
	if status != http.StatusOK {
		t.Fatalf("list: %d %v", status, out)
	}
	var listed map[string]any
	for _, e := range out["events"].([]any) {
		if ev := e.(map[string]any); ev["event_id"] == late {
			listed = ev
		}
	}
	if listed == nil || listed["status"] != "rejected" || listed["order_id"] != orderID || listed["attempts"] != 1.0 ||
		listed["last_error"] != fmt.Sprintf("order %s is finished", orderID) {
		t.Fatalf("the rejected delivery is not listed with its reason: %v", listed)
	}
	var after float64
	testenv.Eventually(t, 5*time.Second, func() bool {
		after = s.relayed(t, "rejected")
		return after >= before+1
	}, `shipflow_inbox_relayed_total{outcome="rejected"} went from %v to %s, want one more`, before, testenv.Last(&after))
}

// relayed reads shipflow_inbox_relayed_total for outcome from /metrics; a counter not yet
// counted reads 0.
func (s *stack) relayed(t *testing.T, outcome string) float64 {
	t.Helper()
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	prefix := `shipflow_inbox_relayed_total{outcome="` + outcome + `"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %q: %v", sc.Text(), err)
			}
			return n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return 0
}
