package relay_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/relay"
	"github.com/shipflow/shipflow/workflows"
)

// shippedOrder creates an order shipped with tracking number tn through r, and waits until
// the read model finds the order by tn, as the relay routes carrier scans.
func shippedOrder(t *testing.T, r *relay.Relay, orderID, tn string) {
	t.Helper()
	ship := commerce(orderID, orderID+"-2", order.EventShipped)
	ship.Commerce[0].Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: tn, Items: []string{"A"}}
	for _, d := range []inbox.Delivery{commerce(orderID, orderID+"-1", order.EventCreated), ship} {
		if _, err := r.Inbox.Accept(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	relayUntil(t, r, orderID, func(v order.View) bool { return v.Status == order.StatusShipped })
	testenv.Eventually(t, 15*time.Second, func() bool {
		id, err := db.OrderForTracking(context.Background(), testenv.DB(t), tn, "")
		return err == nil && id == orderID
	}, "the read model never found order %s by %s", orderID, tn)
}

// heavy is a scan with every field at its input limit, written in a character JSON encodes
// in six bytes: over 11 KB in a signal, and within every rule of the door.
func heavy(tn string, i int) order.TrackingEvent {
	lt := func(n int) string { return strings.Repeat("<", n) }
	return order.TrackingEvent{
		ID:             fmt.Sprintf("%03d%s", i, lt(order.MaxIDLen-3)),
		Source:         inbox.SourceAfterShip,
		Carrier:        "DPD",
		TrackingNumber: tn,
		Status:         order.ShipmentInTransit,
		Substatus:      lt(order.MaxCodeLen),
		RawStatus:      lt(order.MaxCodeLen),
		Description:    lt(order.MaxTextLen),
		Location:       order.Location{City: lt(order.MaxLineLen), Region: lt(order.MaxLineLen), PostalCode: lt(order.MaxCodeLen), Country: lt(order.MaxCodeLen)},
		OccurredAt:     time.Now().UTC().Add(time.Duration(i-order.MaxEventsPerDelivery) * time.Minute),
	}
}

// Issue 14's audit: a delivery the door takes can encode to more than the engine takes in one
// signal (an AfterShip update of 13,334 checkpoints was 2.9 MB). At the most events a delivery
// may carry, each at every field's limit, it is over 2 MiB; the relay sends it in signals
// under its own limit and it applies, instead of being refused after the sender's 200.
func TestDeliveryOverTheEnginesLimitGoesInSeveralSignals(t *testing.T) {
	ctx := context.Background()
	r := newRelay(t)
	orderID := fmt.Sprintf("heavy-%d", time.Now().UnixNano())
	tn := fmt.Sprintf("HV%d", time.Now().UnixNano())
	shippedOrder(t, r, orderID, tn)

	d := inbox.Delivery{Source: inbox.SourceAfterShip, EventID: orderID + "-scans"}
	for i := range order.MaxEventsPerDelivery {
		d.Tracking = append(d.Tracking, heavy(tn, i))
	}
	if err := d.Check(); err != nil {
		t.Fatalf("the door refuses the delivery: %v", err)
	}
	a, err := r.Inbox.Accept(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if e := settled(t, r, a.ID); e.Status != inbox.StatusApplied {
		t.Fatalf("status %s after %d attempts (%s), want applied", e.Status, e.Attempts, e.LastError)
	}

	// Signals that arrive while the workflow is busy reach its history when its task completes.
	var got scanSignals
	testenv.Eventually(t, 30*time.Second, func() bool {
		got = scanSignalsOf(t, orderID)
		return got.events >= order.MaxEventsPerDelivery
	}, "order %s: %s", orderID, testenv.Last(&got))
	if got.events != order.MaxEventsPerDelivery || got.bytes <= 2<<20 || got.largest > relay.MaxSignalBytes+1024 {
		t.Errorf("%s; want %d events over 2 MiB, no signal over %d bytes", got, order.MaxEventsPerDelivery, relay.MaxSignalBytes)
	}
}

// scanSignals sums up the signals of carrier scans in an order's history.
type scanSignals struct{ signals, events, bytes, largest int }

func (s scanSignals) String() string {
	return fmt.Sprintf("%d events in %d signals, %d bytes in all, the largest %d", s.events, s.signals, s.bytes, s.largest)
}

func scanSignalsOf(t *testing.T, orderID string) scanSignals {
	t.Helper()
	var got scanSignals
	it := testenv.Temporal(t).GetWorkflowHistory(context.Background(), workflows.WorkflowID(orderID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		a := e.GetWorkflowExecutionSignaledEventAttributes()
		if a == nil || a.GetSignalName() != workflows.EventsSignal {
			continue
		}
		var es []workflows.Inbound
		if err := converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &es); err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 || es[0].Tracking == nil {
			continue // the order's own events
		}
		size := a.GetInput().Size()
		got.signals++
		got.events += len(es)
		got.bytes += size
		got.largest = max(got.largest, size)
	}
	return got
}

// A signal the engine itself refuses (here one event of 2.5 MB, which no split can shrink and
// which the door would never take) gets the engine's real InvalidArgument and is rejected at
// once with the engine's reason, not retried.
func TestSignalTheEngineRefusesIsRejectedAtOnce(t *testing.T) {
	r := newRelay(t)
	orderID := fmt.Sprintf("refused-%d", time.Now().UnixNano())
	if _, err := r.Inbox.Accept(context.Background(), commerce(orderID, orderID+"-1", order.EventCreated)); err != nil {
		t.Fatal(err)
	}
	relayUntil(t, r, orderID, func(v order.View) bool { return v.Status == order.StatusCreated })
	huge := order.TrackingEvent{ID: "huge", TrackingNumber: "1Z", Status: order.ShipmentInTransit, OccurredAt: time.Now().UTC(),
		Description: strings.Repeat("x", 5<<19)}
	status, err := r.Deliver(context.Background(), orderID, []workflows.Inbound{{Tracking: &huge}})
	if status != inbox.StatusRejected || err == nil || !strings.Contains(err.Error(), "the engine refuses it") || !strings.Contains(err.Error(), "size exceeds limit") {
		t.Fatalf("%s: %v, want rejected with the engine's reason", status, err)
	}
}
