package relay_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/relay"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newRelay is a relay as a freshly started serve process has it: a new inbox over the same
// table, nothing in memory.
func newRelay(t *testing.T) *relay.Relay {
	t.Helper()
	tq := testenv.TaskQueue(t)
	w := sdkworker.New(testenv.Temporal(t), tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: testenv.DB(t), Notifier: silent{}, Escalator: activities.LogEscalator{Logger: testenv.QuietLogger()}})
	testenv.StartWorker(t, w)
	return &relay.Relay{
		Inbox: inbox.New(testenv.DB(t)), DB: testenv.DB(t), Temporal: testenv.Temporal(t), TaskQueue: tq,
		Settings: workflows.OrderSettings{ReviewRequestDelay: time.Hour}, Logger: testenv.QuietLogger(),
	}
}

// silent stands in for the customer channels, which are not what these tests are about.
type silent struct{}

func (silent) Notify(context.Context, notify.Request) error { return nil }

func commerce(orderID, id string, typ order.EventType) inbox.Delivery {
	e := order.CommerceEvent{ID: id, Type: typ, Timestamp: time.Now().UTC(), OrderID: orderID}
	if typ == order.EventCreated {
		e.Customer = &order.Customer{Name: "Ona", Email: "ona@example.com"}
		e.Items = []order.Item{{SKU: "A", Name: "A", Quantity: 1}}
	}
	return inbox.Delivery{Source: inbox.SourceCommerce, EventID: id, Commerce: []order.CommerceEvent{e}}
}

// relayUntil runs passes of r until the order's view satisfies ok.
func relayUntil(t *testing.T, r *relay.Relay, orderID string, ok func(order.View) bool) order.View {
	t.Helper()
	var v order.View
	testenv.Eventually(t, 20*time.Second, func() bool {
		if _, err := r.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		var err error
		v, err = workflows.QueryOrder(context.Background(), testenv.Temporal(t), orderID)
		return err == nil && ok(v)
	}, "order %s: last view %s", orderID, testenv.Last(&v.Status))
	return v
}

func TestDeliveriesStoredBeforeARestartAreRelayedAfterIt(t *testing.T) {
	orderID := fmt.Sprintf("restart-%d", time.Now().UnixNano())
	// The process that accepted these died before relaying any.
	before := inbox.New(testenv.DB(t))
	for _, d := range []inbox.Delivery{
		commerce(orderID, orderID+"-1", order.EventCreated),
		commerce(orderID, orderID+"-2", order.EventConfirmed),
		commerce(orderID, orderID+"-3", order.EventPacked),
	} {
		if _, err := before.Accept(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	after := newRelay(t)
	v := relayUntil(t, after, orderID, func(v order.View) bool { return v.Status == order.StatusPacked })
	if len(v.Timeline) != 3 {
		t.Errorf("timeline %d entries, want 3", len(v.Timeline))
	}
}

func TestDeliveryForAFinishedOrderIsRejectedVisibly(t *testing.T) {
	orderID := fmt.Sprintf("finished-%d", time.Now().UnixNano())
	r := newRelay(t)
	in := r.Inbox
	for _, d := range []inbox.Delivery{commerce(orderID, orderID+"-1", order.EventCreated), commerce(orderID, orderID+"-2", order.EventCancelled)} {
		if _, err := in.Accept(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	relayUntil(t, r, orderID, func(v order.View) bool { return v.Status == order.StatusCancelled })
	if err := testenv.Temporal(t).GetWorkflow(context.Background(), workflows.WorkflowID(orderID), "").Get(context.Background(), nil); err != nil {
		t.Fatalf("cancelled order did not finish: %v", err)
	}
	late, err := in.Accept(context.Background(), commerce(orderID, orderID+"-3", order.EventPacked))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := r.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		p, err := in.List(context.Background(), inbox.StatusRejected, 200, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			if e.ID == late.ID {
				if e.LastError != fmt.Sprintf("order %s is finished", orderID) {
					t.Errorf("rejected with %q", e.LastError)
				}
				return
			}
		}
	}
	t.Fatal("a delivery for a finished order was not rejected")
}

// A delivery held back for a retry keeps its order's later deliveries back too: relayed past
// it, a delivered scan would make the workflow drop the older out-for-delivery as stale.
func TestLaterDeliveryDoesNotOvertakeOneWaitingForItsRetry(t *testing.T) {
	ctx, in := context.Background(), inbox.New(testenv.DB(t))
	a, b := fmt.Sprintf("overtake-a-%d", time.Now().UnixNano()), fmt.Sprintf("overtake-b-%d", time.Now().UnixNano())
	ids := map[string]int64{}
	for _, d := range []inbox.Delivery{commerce(a, a+"-1", order.EventConfirmed), commerce(a, a+"-2", order.EventPacked), commerce(b, b+"-1", order.EventConfirmed)} {
		acc, err := in.Accept(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		ids[d.EventID] = acc.ID
	}
	// The first waits for its retry, as Retry leaves a row whose relay found Temporal away.
	if _, err := testenv.DB(t).Exec(ctx, `UPDATE inbound_events SET next_attempt_at = now() + interval '1 hour', last_error = 'temporal unreachable' WHERE id = $1`, ids[a+"-1"]); err != nil {
		t.Fatal(err)
	}
	claimed, err := in.Claim(ctx, 1000, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]bool{}
	for _, c := range claimed {
		got[c.ID] = true
	}
	if got[ids[a+"-2"]] || !got[ids[b+"-1"]] {
		t.Errorf("claimed %v: want %s's second delivery held back behind its first, %s's taken", got, a, b)
	}
}

// Deliveries for one order that wait together (a burst, a platform sending its events close
// together) reach the workflow in one signal, in arrival order: the engine's cost is per
// signal, not per event.
func TestWaitingDeliveriesOfOneOrderGoInOneSignal(t *testing.T) {
	ctx := context.Background()
	orderID := fmt.Sprintf("batch-%d", time.Now().UnixNano())
	r := newRelay(t)
	for _, d := range []inbox.Delivery{
		commerce(orderID, orderID+"-1", order.EventCreated),
		commerce(orderID, orderID+"-2", order.EventConfirmed),
		commerce(orderID, orderID+"-3", order.EventPacked),
	} {
		if _, err := r.Inbox.Accept(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := r.Once(ctx); err != nil || n < 3 { // other tests' leftovers share the table
		t.Fatalf("one pass relayed %d deliveries (%v), want the order's 3 among them", n, err)
	}
	v := relayUntil(t, r, orderID, func(v order.View) bool { return v.Status == order.StatusPacked })
	if len(v.Timeline) != 3 {
		t.Errorf("timeline has %d entries, want 3 (created, confirmed, packed)", len(v.Timeline))
	}
	var signals []string
	it := testenv.Temporal(t).GetWorkflowHistory(ctx, workflows.WorkflowID(orderID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := e.GetWorkflowExecutionSignaledEventAttributes(); a != nil {
			signals = append(signals, a.GetSignalName())
		}
	}
	if len(signals) != 1 || signals[0] != workflows.EventsSignal {
		t.Errorf("signals %v, want one %q carrying both events after order.created", signals, workflows.EventsSignal)
	}
	p, err := r.Inbox.List(ctx, inbox.StatusApplied, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, e := range p.Events {
		if e.OrderID == orderID {
			applied++
		}
	}
	if applied != 3 {
		t.Errorf("%d of the order's 3 deliveries are applied", applied)
	}
}
