package outbound_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// Issue 15, finding 5: what a subscriber of a split order needs to act on an event is in its
// body: the parcel in metadata.shipment_id, and under data.event what the event says beyond
// the order's view (the exception it raised, the driver's report behind it).
func TestEventBodiesSayWhichParcelAndWhatHappened(t *testing.T) {
	h := newHarness(t, 0)
	rcv := newReceiver(t, nil)
	h.endpoint(rcv.URL + "/hooks")
	id := h.order(order.EventShipped)
	testenv.Eventually(t, 15*time.Second, func() bool { return len(rcv.of(id)) == 2 }, "the created and shipped webhooks")
	eta := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	if _, err := workflows.UpdateOrder(h.ctx, h.c, id, workflows.ReportDelayUpdate, order.Delay{
		ID: "call-1", TrackingNumber: "TN-" + id, Reason: "stuck at customs", Location: "Vilnius", RevisedETA: &eta, At: time.Now().UTC(),
	}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 15*time.Second, func() bool { return len(rcv.of(id)) == 3 }, "the delay webhook")

	bodies := map[string]map[string]any{}
	for _, hi := range rcv.of(id) {
		var b map[string]any
		if err := json.Unmarshal(hi.body, &b); err != nil {
			t.Fatal(err)
		}
		bodies[b["type"].(string)] = b
	}
	meta := func(typ string) map[string]any { return bodies[typ]["metadata"].(map[string]any) }
	if got := meta("order.shipped")["shipment_id"]; got != "S1" {
		t.Errorf("order.shipped metadata.shipment_id = %v, want S1", got)
	}
	if _, ok := meta("order.created")["shipment_id"]; ok {
		t.Error("order.created names a parcel")
	}
	x, ok := bodies["shipment.exception"]
	if !ok {
		t.Fatalf("no shipment.exception among %v", bodies)
	}
	if meta("shipment.exception")["shipment_id"] != "S1" {
		t.Errorf("shipment.exception metadata %v", meta("shipment.exception"))
	}
	ev, _ := x["data"].(map[string]any)["event"].(map[string]any)
	exc, _ := ev["exception"].(map[string]any)
	delay, _ := ev["delay"].(map[string]any)
	if exc["reason"] != string(order.ReasonDriverDelay) || exc["delay_reason"] != string(order.DelayCustoms) {
		t.Errorf("data.event.exception = %v", exc)
	}
	if delay["reason"] != "stuck at customs" || delay["location"] != "Vilnius" || delay["shipment_id"] != "S1" || delay["revised_eta"] != eta.Format(time.RFC3339) {
		t.Errorf("data.event.delay = %v", delay)
	}
	if _, ok := bodies["order.shipped"]["data"].(map[string]any)["event"]; ok {
		t.Error("order.shipped carries an event detail it has none of")
	}
}
