package outbound_test

import (
	"encoding/json"
	"fmt"
	"strings"
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

// bodiesOf are the order's webhook bodies received, decoded, oldest first.
func bodiesOf(t *testing.T, rcv *receiver, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, hi := range rcv.of(id) {
		var b map[string]any
		if err := json.Unmarshal(hi.body, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// eventDetail is a body's data.event.
func eventDetail(b map[string]any) map[string]any {
	ev, _ := b["data"].(map[string]any)["event"].(map[string]any)
	return ev
}

// TestSecondDriverDelayReachesSubscribers is issue 15's finding 5 as a subscriber reads it: a
// second driver's report while the first one's exception is still open published nothing.
// Now the subscriber receives shipment.updated for the parcel, with the new report in
// data.event.delay.
func TestSecondDriverDelayReachesSubscribers(t *testing.T) {
	h := newHarness(t, 0)
	rcv := newReceiver(t, nil)
	h.endpoint(rcv.URL + "/hooks")
	id := h.order(order.EventShipped)
	report := func(callID, reason, location string) {
		t.Helper()
		if _, err := workflows.UpdateOrder(h.ctx, h.c, id, workflows.ReportDelayUpdate, order.Delay{
			ID: callID, TrackingNumber: "TN-" + id, Reason: reason, Location: location, At: time.Now().UTC(),
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A report is checked against the parcels the order knows, so it waits until the shipment
	// is applied (its webhook has gone out): a signal sent just before an update is not always
	// in the workflow task that runs the update's validator.
	testenv.Eventually(t, 15*time.Second, func() bool { return len(rcv.of(id)) == 2 }, "created and shipped")
	report("call-1", "traffic jam", "Kaunas")
	testenv.Eventually(t, 15*time.Second, func() bool { return len(rcv.of(id)) == 3 }, "created, shipped and the exception")
	report("call-2", "van broke down", "Vilnius")
	testenv.Eventually(t, 15*time.Second, func() bool { return len(rcv.of(id)) == 4 }, "the second report's webhook")

	b := bodiesOf(t, rcv, id)[3]
	if b["type"] != string(order.PublishShipmentUpdated) || b["metadata"].(map[string]any)["shipment_id"] != "S1" {
		t.Fatalf("the second report published %v about %v, want shipment.updated about S1", b["type"], b["metadata"])
	}
	ev := eventDetail(b)
	delay, _ := ev["delay"].(map[string]any)
	if delay["id"] != "call-2" || delay["reason"] != "van broke down" || delay["location"] != "Vilnius" || delay["shipment_id"] != "S1" {
		t.Errorf("data.event.delay = %v, want the second report", delay)
	}
	if _, ok := ev["exception"]; ok {
		t.Errorf("data.event = %v: the second report raised no exception of its own", ev)
	}
}

// TestNotificationFailedSaysWhatFailed is issue 15's finding 5 for notification.failed: a
// subscriber could not tell which message failed, on which channel, or why. Now data.event
// .notification carries the milestone, the channels and the provider's refusal.
func TestNotificationFailedSaysWhatFailed(t *testing.T) {
	h := newHarness(t, 0)
	rcv := newReceiver(t, nil)
	h.endpoint(rcv.URL+"/hooks", string(order.PublishNotificationFailed))
	id := fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
	now := time.Now().UTC()
	created := order.CommerceEvent{
		ID: id + "-created", Type: order.EventCreated, Timestamp: now, OrderID: id,
		Customer: &order.Customer{Name: "Ona", Email: refusedEmail, Locale: "en", TimeZone: "UTC"},
		Notify:   []order.Channel{order.ChannelEmail},
		Items:    []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
	}
	if _, err := workflows.StartOrder(h.ctx, h.c, h.tq, created, workflows.OrderSettings{}); err != nil {
		t.Fatal(err)
	}
	confirmed := order.CommerceEvent{ID: id + "-confirmed", Type: order.EventConfirmed, Timestamp: now.Add(time.Second), OrderID: id}
	if err := workflows.SignalCommerce(h.ctx, h.c, confirmed); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 15*time.Second, func() bool { return len(rcv.of(id)) == 1 }, "the notification.failed webhook")

	b := bodiesOf(t, rcv, id)[0]
	n, _ := eventDetail(b)["notification"].(map[string]any)
	if b["type"] != string(order.PublishNotificationFailed) || n["milestone"] != string(order.MilestoneConfirmed) ||
		fmt.Sprint(n["channels"]) != "[email]" || !strings.Contains(fmt.Sprint(n["error"]), "550 mailbox does not exist") {
		t.Errorf("%v with data.event.notification = %v, want the confirmed milestone, [email] and the refusal", b["type"], n)
	}
}
