package relay_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// A stored delivery that fails today's door (here an order id Temporal could not take, stored
// before the webhooks checked ids) is rejected by the relay's own check on its first try, with
// the reason, before it reaches the engine. TestSignalTheEngineRefusesIsRejectedAtOnce is the
// engine refusing.
func TestStoredDeliveryFailingTheDoorIsRejectedAtOnce(t *testing.T) {
	r := newRelay(t)
	orderID := fmt.Sprintf("užsakymas-%d", time.Now().UnixNano())
	a, err := r.Inbox.Accept(context.Background(), commerce(orderID, orderID+"-1", order.EventCreated))
	if err != nil {
		t.Fatal(err)
	}
	e := settled(t, r, a.ID)
	if e.Status != inbox.StatusRejected || e.Attempts != 1 || !strings.HasPrefix(e.LastError, "invalid delivery:") || !strings.Contains(e.LastError, "data.order_id") {
		t.Fatalf("status %s after %d attempts (%s), want rejected after 1 by the relay's check", e.Status, e.Attempts, e.LastError)
	}
}

// A stored row that does not even decode is rejected alone; the deliveries claimed with it go
// through.
func TestUndecodableRowIsRejectedAndOthersFlow(t *testing.T) {
	r := newRelay(t)
	var bad int64
	err := testenv.DB(t).QueryRow(context.Background(), `
		INSERT INTO inbound_events (source, event_id, delivery, order_id, shipment_id, tracking_keys)
		VALUES ('commerce', $1, '{"commerce": "not a list"}', '', '', '{}') RETURNING id`,
		fmt.Sprintf("bad-%d", time.Now().UnixNano())).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	orderID := fmt.Sprintf("after-bad-%d", time.Now().UnixNano())
	good, err := r.Inbox.Accept(context.Background(), commerce(orderID, orderID+"-1", order.EventCreated))
	if err != nil {
		t.Fatal(err)
	}
	if e := settled(t, r, bad); e.Status != inbox.StatusRejected {
		t.Errorf("undecodable row: %s (%s)", e.Status, e.LastError)
	}
	if e := settled(t, r, good.ID); e.Status != inbox.StatusApplied {
		t.Errorf("good row: %s (%s)", e.Status, e.LastError)
	}
}

// settled relays until the stored delivery id is no longer pending and returns it.
func settled(t *testing.T, r interface {
	Once(context.Context) (int, error)
}, id int64) inbox.Event {
	t.Helper()
	in := inbox.New(testenv.DB(t))
	var e inbox.Event
	var last string
	testenv.Eventually(t, 15*time.Second, func() bool {
		if _, err := r.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		var err error
		if e, err = in.Get(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		last = fmt.Sprintf("%d attempts: %s", e.Attempts, e.LastError)
		return e.Status != inbox.StatusPending
	}, "delivery %d still pending after %s", id, testenv.Last(&last))
	return e
}

// A delivery that waited beyond the limit for an order that never came is rejected, visibly,
// with what it waited for.
func TestDeliveryWaitingTooLongIsRejected(t *testing.T) {
	r := newRelay(t)
	orderID := fmt.Sprintf("never-%d", time.Now().UnixNano())
	a, err := r.Inbox.Accept(context.Background(), commerce(orderID, orderID+"-2", order.EventPacked))
	if err != nil {
		t.Fatal(err)
	}
	if e := settled(t, r, a.ID); e.Status != inbox.StatusWaiting {
		t.Fatalf("status %s, want waiting", e.Status)
	}
	if n, err := r.Inbox.ExpireWaiting(context.Background(), time.Hour); err != nil || n != 0 {
		t.Fatalf("expired %d young deliveries (err %v)", n, err)
	}
	if _, err := testenv.DB(t).Exec(context.Background(), `UPDATE inbound_events SET received_at = now() - interval '2 hours' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Inbox.ExpireWaiting(context.Background(), time.Hour); err != nil || n != 1 {
		t.Fatalf("expired %d (err %v), want 1", n, err)
	}
	e, err := r.Inbox.Get(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != inbox.StatusRejected || !strings.Contains(e.LastError, "gave up waiting for its order after 1h0m0s") {
		t.Errorf("%s: %q", e.Status, e.LastError)
	}
}

// Issue 15, finding 8: a relay that stalled past its lease cannot write its stale outcome over
// the outcome of the relay that claimed the delivery after it.
func TestStaleRelayCannotOverwriteANewerOutcome(t *testing.T) {
	r := newRelay(t)
	in := r.Inbox
	orderID := fmt.Sprintf("fenced-%d", time.Now().UnixNano())
	a, err := in.Accept(context.Background(), commerce(orderID, orderID+"-2", order.EventPacked))
	if err != nil {
		t.Fatal(err)
	}
	claimOnly := func() inbox.Claimed {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			cs, err := in.Claim(context.Background(), 64, 50*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				if c.ID == a.ID {
					return c
				}
			}
		}
		t.Fatal("never claimed")
		return inbox.Claimed{}
	}
	stale := claimOnly()
	time.Sleep(100 * time.Millisecond) // its lease runs out
	fresh := claimOnly()
	if err := in.Waiting(context.Background(), fresh, "order", "not yet"); err != nil {
		t.Fatal(err)
	}
	if err := in.Retry(context.Background(), stale, time.Minute, "stale news"); !errors.Is(err, inbox.ErrLeaseLost) {
		t.Fatalf("stale relay's outcome: %v, want ErrLeaseLost", err)
	}
	e, err := in.Get(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != inbox.StatusWaiting || e.LastError != "not yet" {
		t.Errorf("%s %q: the stale outcome overwrote the newer one", e.Status, e.LastError)
	}
}
