package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestListByOrderAndByActor: entries come back newest first, by order, by actor or both, a
// page at a time, and a page's cursor never repeats or skips one.
func TestListByOrderAndByActor(t *testing.T) {
	pool := testenv.DB(t)
	run := time.Now().UnixNano()
	order, ops, bot := fmt.Sprintf("o-%d", run), fmt.Sprintf("ops-%d", run), fmt.Sprintf("bot-%d", run)
	opsCtx := access.WithActor(t.Context(), access.Actor{Name: ops, Via: access.ViaConsole})
	for i := range 7 {
		ctx := opsCtx
		if i%2 == 1 {
			ctx = access.WithActor(t.Context(), access.Actor{Name: bot, Via: access.ViaAPI})
		}
		if err := audit.Append(ctx, pool, audit.Entry{Action: audit.ActionReadOrder, Subject: order, OrderID: order, Detail: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	// An entry naming its own actor, of no order.
	if err := audit.Append(t.Context(), pool, audit.Entry{Actor: ops, Via: access.ViaSystem, Action: audit.ActionListOrders, Subject: "q"}); err != nil {
		t.Fatal(err)
	}
	all := func(f audit.Filter) []int {
		t.Helper()
		var ns []int
		for pages := 0; ; pages++ {
			es, next, err := audit.List(t.Context(), pool, f)
			if err != nil || pages > 10 || len(es) > f.Limit {
				t.Fatalf("page %d: %d entries, %v", pages, len(es), err)
			}
			for _, e := range es {
				n, ok := e.Detail["n"].(float64)
				if !ok {
					n = -1
				}
				ns = append(ns, int(n))
			}
			if next == "" {
				return ns
			}
			f.Cursor = next
		}
	}
	for name, tc := range map[string]struct {
		f    audit.Filter
		want string
	}{
		"order":           {audit.Filter{OrderID: order, Limit: 3}, "[6 5 4 3 2 1 0]"},
		"actor":           {audit.Filter{Actor: ops, Limit: 2}, "[-1 6 4 2 0]"},
		"order and actor": {audit.Filter{OrderID: order, Actor: bot, Limit: 2}, "[5 3 1]"},
		"one page":        {audit.Filter{OrderID: order, Limit: 7}, "[6 5 4 3 2 1 0]"},
	} {
		if got := fmt.Sprint(all(tc.f)); got != tc.want {
			t.Errorf("%s: %s, want %s", name, got, tc.want)
		}
	}
	es, _, err := audit.List(t.Context(), pool, audit.Filter{Actor: ops, Limit: 1})
	if err != nil || len(es) != 1 || es[0].Via != access.ViaSystem || es[0].OrderID != "" || es[0].Subject != "q" {
		t.Errorf("the entry that named its actor: %+v %v", es, err)
	}
	if _, _, err := audit.List(t.Context(), pool, audit.Filter{Cursor: "zzz"}); !errors.Is(err, db.ErrBadCursor) {
		t.Errorf("a bad cursor: %v", err)
	}
	if err := audit.Append(t.Context(), pool, audit.Entry{Action: audit.ActionReadOrder}); err == nil {
		t.Error("an entry with no actor was written")
	}
}

// TestWithin: the entry is committed with the change, and neither when the change fails.
func TestWithin(t *testing.T) {
	pool := testenv.DB(t)
	ctx := access.WithActor(t.Context(), access.Actor{Name: fmt.Sprintf("within-%d", time.Now().UnixNano()), Via: access.ViaAPI})
	a, _ := access.ActorFrom(ctx)
	refused := errors.New("refused")
	err := audit.Within(ctx, pool, func(tx pgx.Tx) (audit.Entry, error) {
		return audit.Entry{Action: audit.ActionEndpointChange, Subject: "ep_1"}, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("a refused change: %v", err)
	}
	err = audit.Within(ctx, pool, func(tx pgx.Tx) (audit.Entry, error) {
		_, err := tx.Exec(ctx, `SELECT 1`)
		return audit.Entry{Action: audit.ActionEndpointChange, Subject: "ep_2"}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	es, _, err := audit.List(ctx, pool, audit.Filter{Actor: a.Name})
	if err != nil || len(es) != 1 || es[0].Subject != "ep_2" {
		t.Errorf("entries: %+v %v, want the change that was made", es, err)
	}
}

// TestQueue: a queued entry is written with the batch it is sent in.
func TestQueue(t *testing.T) {
	pool := testenv.DB(t)
	name := fmt.Sprintf("queued-%d", time.Now().UnixNano())
	b := &pgx.Batch{}
	if err := audit.Queue(context.Background(), b, audit.Entry{Actor: name, Via: access.ViaVoice, Action: audit.ActionVoiceLookup, Subject: strings.Repeat("x", 600)}); err != nil {
		t.Fatal(err)
	}
	if err := pool.SendBatch(t.Context(), b).Close(); err != nil {
		t.Fatal(err)
	}
	es, _, err := audit.List(t.Context(), pool, audit.Filter{Actor: name})
	if err != nil || len(es) != 1 || len(es[0].Subject) != audit.MaxSubjectLen {
		t.Errorf("queued entry: %+v %v (a subject is cut to %d)", es, err, audit.MaxSubjectLen)
	}
}

// TestFilterCheck: a filter from outside is held to the rules of what it names.
func TestFilterCheck(t *testing.T) {
	for _, f := range []audit.Filter{{}, {OrderID: "1042", Actor: "ops-ana", Cursor: "abc"}, {OrderID: "#1042 b"}} {
		if err := f.Check(); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
	for _, f := range []audit.Filter{
		{OrderID: strings.Repeat("x", 129)}, {OrderID: "a\x00b"}, {OrderID: " x"}, {Actor: strings.Repeat("a", 101)},
		{Actor: "ą"}, {Actor: "a\nb"}, {Cursor: strings.Repeat("c", 201)}, {Cursor: "c\x7f"},
	} {
		if err := f.Check(); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

// FuzzFilterCheck: whatever a query string holds, Check answers without panicking, and what
// it accepts is printable ASCII of bounded length.
func FuzzFilterCheck(f *testing.F) {
	f.Add("1042", "ops", "abc")
	f.Add("a\x00", "ą", "")
	f.Fuzz(func(t *testing.T, order, actor, cursor string) {
		fl := audit.Filter{OrderID: order, Actor: actor, Cursor: cursor}
		if fl.Check() != nil {
			return
		}
		for _, s := range []string{order, actor, cursor} {
			if len(s) > 200 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
				t.Errorf("accepted %q", s)
			}
		}
	})
}
