package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestStoresShareATransaction is issue 16: the inbox and the notification log write through a
// caller's transaction, so that their rows are committed, or rolled back, together.
func TestStoresShareATransaction(t *testing.T) {
	ctx, pool := context.Background(), testenv.DB(t)
	in := inbox.New(pool)
	address := fmt.Sprintf("tx-%d@example.com", time.Now().UnixNano())
	delivery := func(id string) inbox.Delivery {
		return inbox.Delivery{Source: inbox.SourceCommerce, EventID: id, Commerce: []order.CommerceEvent{
			{ID: id, Type: order.EventCreated, OrderID: id, Timestamp: time.Now().UTC()},
		}}
	}
	write := func(id string, commit bool) int64 {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		a, err := in.On(tx).Accept(ctx, delivery(id))
		if err != nil {
			t.Fatal(err)
		}
		if err := notify.NewLog(tx).OptOut(ctx, string(order.ChannelEmail), address, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := in.Get(ctx, a.ID); !errors.Is(err, inbox.ErrNotFound) {
			t.Errorf("the pool sees delivery %d before its transaction commits: %v", a.ID, err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return a.ID
	}
	opted := func() bool {
		t.Helper()
		out, err := notify.NewLog(pool).OptedOut(ctx, string(order.ChannelEmail), address)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	id := write(fmt.Sprintf("tx-rolled-back-%d", time.Now().UnixNano()), false)
	if _, err := in.Get(ctx, id); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("a rolled-back delivery is stored: %v", err)
	}
	if opted() {
		t.Error("a rolled-back opt-out is stored")
	}

	id = write(fmt.Sprintf("tx-committed-%d", time.Now().UnixNano()), true)
	if e, err := in.Get(ctx, id); err != nil || e.Status != inbox.StatusPending {
		t.Errorf("committed delivery: %+v, %v", e, err)
	}
	if !opted() {
		t.Error("the committed opt-out is not stored")
	}
	select {
	case <-in.Woken(): // On shares the relay's wake
	default:
		t.Error("Accept through a transaction did not wake the inbox's relay")
	}
}

// An order's deliveries are those naming it and those carrying its tracking numbers since it
// was created, not an earlier parcel's under a recycled number, nor another order's.
func TestForOrder(t *testing.T) {
	ctx, pool := context.Background(), testenv.DB(t)
	in := inbox.New(pool)
	id := fmt.Sprintf("for-order-%d", time.Now().UnixNano())
	tn := id + "-tn"
	now := time.Now().UTC()
	accept := func(d inbox.Delivery) int64 {
		t.Helper()
		a, err := in.Accept(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	scan := func(eventID, number string, st order.ShipmentStatus) inbox.Delivery {
		return inbox.Delivery{Source: inbox.SourceAfterShip, EventID: eventID, Tracking: []order.TrackingEvent{
			{ID: eventID, TrackingNumber: number, Status: st, OccurredAt: now},
			{ID: eventID + "-2", TrackingNumber: number, Status: st, OccurredAt: now},
		}}
	}
	old := accept(scan(id+"-old", tn, order.ShipmentDelivered))
	if _, err := pool.Exec(ctx, `UPDATE inbound_events SET received_at = now() - interval '90 days' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	created := accept(inbox.Delivery{Source: inbox.SourceCommerce, EventID: id + "-created", Commerce: []order.CommerceEvent{
		{ID: id + "-created", Type: order.EventCreated, OrderID: id, Timestamp: now},
	}})
	moving := accept(scan(id+"-scan", " "+tn+" ", order.ShipmentInTransit))
	accept(scan(id+"-other", tn+"-other", order.ShipmentInTransit))
	accept(inbox.Delivery{Source: inbox.SourceCommerce, EventID: id + "-x", Commerce: []order.CommerceEvent{
		{ID: id + "-x", Type: order.EventCreated, OrderID: id + "-x", Timestamp: now},
	}})

	es, err := in.ForOrder(ctx, id, []string{tn}, now.Add(-24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range es {
		got = append(got, e.ID)
	}
	if len(got) != 2 || got[0] != moving || got[1] != created {
		t.Fatalf("deliveries %v, want the scan %d then order.created %d", got, moving, created)
	}
	if types := es[0].Delivery.Types(); len(types) != 1 || types[0] != string(order.ShipmentInTransit) {
		t.Errorf("the scan's types %v", types)
	}
	if es, err := in.ForOrder(ctx, id, nil, now, 10); err != nil || len(es) != 1 || es[0].ID != created {
		t.Errorf("without tracking numbers: %v, %v", es, err)
	}
}
