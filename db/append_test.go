package db_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

func appendEntry(t *testing.T, pool *pgxpool.Pool, id string, e order.Entry) (order.View, bool, error) {
	t.Helper()
	var v order.View
	var added bool
	err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
		var err error
		v, added, err = db.AppendEntry(t.Context(), tx, id, e)
		return err
	})
	return v, added, err
}

// TestAppendEntryAfterTheWorkflow: an entry added to a finished order's timeline is numbered
// after the workflow's last, is added once however often it is asked, and needs the order.
func TestAppendEntryAfterTheWorkflow(t *testing.T) {
	pool := testenv.DB(t)
	id := uniq(t, "order")
	save(t, pool, db.Snapshot{Revision: 3, View: newView(id, t0), Entries: []order.Entry{entry(1, at(0), "order.created"), entry(2, at(time.Hour), "order.cancelled")}})
	r := order.HumanRequest{ID: "call-1", Reason: "  refund? ", At: at(2 * time.Hour), Source: "voice:vapi"}.Clean()
	v, added, err := appendEntry(t, pool, id, r.Entry())
	if err != nil || !added || v.OrderID != id || v.Timeline != nil {
		t.Fatalf("first append: added %v, view %s with %d entries, err %v", added, v.OrderID, len(v.Timeline), err)
	}
	if _, added, err := appendEntry(t, pool, id, r.Entry()); err != nil || added {
		t.Errorf("second append: added %v, err %v", added, err)
	}
	got, rev := get(t, pool, id)
	if rev != 3 || len(got.Timeline) != 3 {
		t.Fatalf("revision %d, %d entries", rev, len(got.Timeline))
	}
	if e := got.Timeline[0]; e.Seq != 3 || e.Type != order.EntryHumanRequested || e.Description != "Customer asked for a call back: refund?" || e.Source != "voice:vapi" {
		t.Errorf("appended entry %+v", e)
	}
	if _, _, err := appendEntry(t, pool, uniq(t, "unknown"), r.Entry()); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("unknown order: %v, want ErrNotFound", err)
	}
}
