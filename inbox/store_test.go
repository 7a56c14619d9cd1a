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
