package outbound_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/outbound"
)

// An attempt whose answer holds NUL, invalid UTF-8 and an endless error is recorded, readable.
func TestRecordAttemptStoresHostileAnswers(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	_, id := endpointWithDelivery(t, pool)
	rec := outbound.AttemptRecord{DeliveryID: id, Attempt: 1, At: t0, StatusCode: 200, Outcome: "delivered",
		Body: "{\"ok\":true}\x00\x00\xff tail", Error: "reading answer body: " + strings.Repeat("\x00x", 5000)}
	if _, err := outbound.RecordAttempt(ctx, pool, rec, time.Hour); err != nil {
		t.Fatal(err)
	}
	d, err := outbound.GetDelivery(ctx, pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != outbound.DeliveryDelivered || len(d.Log) != 1 {
		t.Fatalf("delivery %s with %d attempts", d.Status, len(d.Log))
	}
	if a := d.Log[0]; a.Body != "{\"ok\":true}\uFFFD tail" || len(a.Error) > db.MaxErrorText || !strings.HasPrefix(a.Error, "reading answer body: \uFFFDx") {
		t.Errorf("stored body %q, error %d bytes %.40q", a.Body, len(a.Error), a.Error)
	}
}

func TestNoteFailedPassBacksOffThenFails(t *testing.T) {
	ctx, pool := t.Context(), testenv.DB(t)
	_, id := endpointWithDelivery(t, pool)
	var waits []time.Duration
	for n := 1; n < outbound.MaxFailedPasses; n++ {
		p, err := outbound.NoteFailedPass(ctx, pool, id, "record attempt 1: conn lost\x00", false)
		if err != nil {
			t.Fatal(err)
		}
		if p.N != n || p.Failed {
			t.Fatalf("pass %d: %+v", n, p)
		}
		waits = append(waits, p.Wait)
		// The lease holds the delivery for the wait: no dispatcher claims it meanwhile.
		var leased bool
		if err := pool.QueryRow(ctx, `SELECT lease_until > now() + $2::interval - interval '5 seconds' FROM webhook_deliveries WHERE id = $1`,
			id, p.Wait).Scan(&leased); err != nil || !leased {
			t.Fatalf("pass %d: lease not pushed out by %s (%v)", n, p.Wait, err)
		}
	}
	if want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}; len(waits) != len(want) || waits[0] != want[0] || waits[3] != want[3] {
		t.Errorf("waits %v, want %v", waits, want)
	}
	d, _ := outbound.GetDelivery(ctx, pool, id)
	if d.Status != outbound.DeliveryPending || !strings.Contains(d.LastError, "conn lost") {
		t.Errorf("while backing off: %s %q", d.Status, d.LastError)
	}
	p, err := outbound.NoteFailedPass(ctx, pool, id, "record attempt 1: conn lost", false)
	if err != nil || !p.Failed || p.N != outbound.MaxFailedPasses {
		t.Fatalf("last pass: %+v %v", p, err)
	}
	d, _ = outbound.GetDelivery(ctx, pool, id)
	if d.Status != outbound.DeliveryFailed || !strings.Contains(d.LastError, "after 5 failed passes") {
		t.Errorf("after the last pass: %s %q", d.Status, d.LastError)
	}
	if _, err := outbound.NoteFailedPass(ctx, pool, id, "again", false); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a pass at a failed delivery: %v, want ErrNotFound", err)
	}

	// A refusal fails the delivery at once; a recorded attempt starts the count again.
	_, id = endpointWithDelivery(t, pool)
	if _, err := outbound.NoteFailedPass(ctx, pool, id, "x", false); err != nil {
		t.Fatal(err)
	}
	if _, err := outbound.RecordAttempt(ctx, pool, outbound.AttemptRecord{DeliveryID: id, Attempt: 1, At: t0, StatusCode: 500, Outcome: "retry", NextAttempt: t0.Add(time.Minute)}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if p, err := outbound.NoteFailedPass(ctx, pool, id, "record attempt 2: refused", true); err != nil || !p.Failed || p.N != 1 {
		t.Errorf("refused pass: %+v %v; want the first of a new count, failed", p, err)
	}
	d, _ = outbound.GetDelivery(ctx, pool, id)
	if d.Status != outbound.DeliveryFailed || d.LastError != "not attempted again: record attempt 2: refused" {
		t.Errorf("after a refusal: %s %q", d.Status, d.LastError)
	}
	// A person's retry starts the count again.
	if ok, err := outbound.MarkRetried(ctx, pool, d); err != nil || !ok {
		t.Fatalf("mark retried: %v %v", ok, err)
	}
	if p, err := outbound.NoteFailedPass(ctx, pool, id, "x", false); err != nil || p.N != 1 || p.Failed {
		t.Errorf("a pass after a person's retry: %+v %v", p, err)
	}
}
