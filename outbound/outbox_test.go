package outbound_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
)

// A retry's mark comes after its run has started, so the run may have finished first: the mark
// then changes nothing, rather than leave pending a delivery no run will finish.
func TestMarkRetriedOnlyWhatItRead(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	_, id := endpointWithDelivery(t, pool)
	if err := outbound.FailDelivery(ctx, pool, id, "endpoint disabled"); err != nil {
		t.Fatal(err)
	}
	read, err := outbound.GetDelivery(ctx, pool, id)
	if err != nil {
		t.Fatal(err)
	}
	// The run's attempt is recorded before the mark.
	if _, err := outbound.RecordAttempt(ctx, pool, outbound.AttemptRecord{DeliveryID: id, Attempt: 1, At: time.Now(), StatusCode: 204, Outcome: "delivered"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if ok, err := outbound.MarkRetried(ctx, pool, read); err != nil || ok {
		t.Fatalf("mark after the run recorded its attempt: %v %v, want no change", ok, err)
	}
	if d, _ := outbound.GetDelivery(ctx, pool, id); d.Status != outbound.DeliveryDelivered {
		t.Fatalf("status %s, want delivered", d.Status)
	}
	if ok, err := outbound.MarkRetried(ctx, pool, mustGet(t, id)); err != nil || !ok {
		t.Fatalf("mark of the row as read: %v %v", ok, err)
	}
	if d := mustGet(t, id); d.Status != outbound.DeliveryPending {
		t.Errorf("status %s, want pending", d.Status)
	}
}

func mustGet(t *testing.T, id string) outbound.Delivery {
	t.Helper()
	d, err := outbound.GetDelivery(t.Context(), testenv.DB(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A pending delivery whose workflow is gone is found overdue and returned to the dispatchers,
// unless it changed since it was read; returned MaxFailedPasses times without an attempt on
// record, it is failed instead, with the reason.
func TestReturnToDispatchers(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	_, id := endpointWithDelivery(t, pool)
	own := func() {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE webhook_deliveries SET workflow = true, attempts = 1, next_attempt_at = now() - interval '10 minutes',
			updated_at = now() - interval '10 minutes' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	find := func() outbound.Owned {
		t.Helper()
		var from outbound.Owned
		for {
			page, err := outbound.OverdueOwned(ctx, pool, time.Now().Add(-5*time.Minute), from, 2)
			if err != nil {
				t.Fatal(err)
			}
			if i := slices.IndexFunc(page, func(o outbound.Owned) bool { return o.ID == id }); i >= 0 {
				return page[i]
			}
			if len(page) < 2 {
				t.Fatalf("delivery %s not found overdue", id)
			}
			from = page[len(page)-1]
		}
	}
	own()
	o := find()
	stale := o
	stale.UpdatedAt = stale.UpdatedAt.Add(-time.Second)
	if ok, _, err := outbound.ReturnToDispatchers(ctx, pool, stale, "gone"); err != nil || ok {
		t.Fatalf("return of a row changed since: %v %v", ok, err)
	}
	for pass := 1; pass <= outbound.MaxFailedPasses; pass++ {
		ok, failed, err := outbound.ReturnToDispatchers(ctx, pool, o, "its workflow closed with the delivery pending")
		if err != nil || !ok || failed != (pass == outbound.MaxFailedPasses) {
			t.Fatalf("return %d: returned %v, failed %v, %v", pass, ok, failed, err)
		}
		d := mustGet(t, id)
		if pass < outbound.MaxFailedPasses {
			if d.Status != outbound.DeliveryPending {
				t.Fatalf("return %d: %s", pass, d.Status)
			}
			own() // handed on again, and its workflow gone again
			o = find()
			continue
		}
		if d.Status != outbound.DeliveryFailed || !strings.Contains(d.LastError, "its workflow closed") {
			t.Errorf("after %d returns: %s %q", pass, d.Status, d.LastError)
		}
	}
}
