package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// stored puts one inbound event of each status in the inbox, as the relay leaves them: one
// pending after a failed try, one waiting for its order, one rejected. It returns their ids.
func stored(t *testing.T, in *inbox.Inbox) (pending, waiting, rejected int64) {
	t.Helper()
	ctx := t.Context()
	run := time.Now().UnixNano()
	ids := make([]int64, 3)
	for i := range ids {
		orderID := fmt.Sprintf("inbox-order-%d-%d", run, i)
		d := inbox.Delivery{Source: inbox.SourceCommerce, EventID: fmt.Sprintf("evt-%d-%d", run, i),
			Commerce: []order.CommerceEvent{{ID: orderID + "-shipped", Type: order.EventShipped, OrderID: orderID, Timestamp: time.Now()}}}
		if i == 1 {
			d = inbox.Delivery{Source: inbox.SourceAfterShip, EventID: fmt.Sprintf("evt-%d-%d", run, i),
				Tracking: []order.TrackingEvent{{ID: "scan-1", TrackingNumber: fmt.Sprintf("TN%d", run), Status: order.ShipmentInTransit}}}
		}
		a, err := in.Accept(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	claimed, err := in.Claim(ctx, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range claimed {
		switch c.ID {
		case ids[0]:
			err = in.Retry(ctx, c, time.Hour, "temporal unavailable: connection refused")
		case ids[1]:
			err = in.Waiting(ctx, c, "shipment", "no shipment has that tracking number yet")
		case ids[2]:
			err = in.Rejected(ctx, c, "the order is finished: <script>x</script>")
		default: // another test's, due now: it stays so
			err = in.Retry(ctx, c, 0, "")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids[0], ids[1], ids[2]
}

// The inbox shows pending, waiting and rejected events on their tabs with why, and a replay
// from the console sends a rejected one through the relay again.
func TestInboxTabsAndReplay(t *testing.T) {
	pool := testenv.DB(t)
	in := inbox.New(pool)
	s := newConsole(t, func(con *console.Console) { con.Inbox = in })
	pending, waiting, rejected := stored(t, in)

	code, page := s.get("/console/inbox")
	if code != http.StatusOK {
		t.Fatalf("inbox: %d", code)
	}
	contains(t, "the pending tab", page, fmt.Sprintf("/console/inbox/%d/replay", pending), "order.shipped", "temporal unavailable", "next try")
	mustNotContain(t, "the pending tab", page, fmt.Sprintf("/console/inbox/%d/replay", rejected))

	_, page = s.get("/console/inbox?status=waiting")
	contains(t, "the waiting tab", page, fmt.Sprintf("/console/inbox/%d/replay", waiting), "Waiting for its shipment", "scan: in_transit", "aftership")

	_, page = s.get("/console/inbox?status=rejected")
	contains(t, "the rejected tab", page, fmt.Sprintf("/console/inbox/%d/replay", rejected), "the order is finished: &lt;script&gt;")
	mustNotContain(t, "the rejected tab", page, "<script>x")

	code, page = s.submit(fmt.Sprintf("/console/inbox/%d/replay", rejected), url.Values{"status": {"rejected"}})
	if code != http.StatusOK || !strings.Contains(page, "Replayed") {
		t.Fatalf("replay: %d\n%s", code, page)
	}
	e, err := in.Get(t.Context(), rejected)
	if err != nil || e.Status != inbox.StatusPending || e.Attempts != 0 {
		t.Fatalf("after replay: %+v %v", e, err)
	}
	_, page = s.get("/console/inbox?status=pending")
	contains(t, "the pending tab after the replay", page, fmt.Sprintf("/console/inbox/%d/replay", rejected))

	for path, want := range map[string]int{
		"/console/inbox?status=applied": http.StatusBadRequest,
		"/console/inbox?cursor=abc":     http.StatusBadRequest,
		"/console/inbox?cursor=%00":     http.StatusBadRequest,
	} {
		if code, _ := s.get(path); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
	for path, want := range map[string]int{
		"/console/inbox/999999999/replay": http.StatusNotFound,
		"/console/inbox/-1/replay":        http.StatusNotFound,
		"/console/inbox/abc/replay":       http.StatusNotFound,
	} {
		if code, _ := s.submit(path, nil); code != want {
			t.Errorf("POST %s: %d, want %d", path, code, want)
		}
	}
	if code, _ := s.submit(fmt.Sprintf("/console/inbox/%d/replay", waiting), url.Values{"_csrf": {"forged"}}); code != http.StatusForbidden {
		t.Errorf("replay with a forged CSRF token: %d", code)
	}
	if e, _ := in.Get(t.Context(), waiting); e.Status != inbox.StatusWaiting {
		t.Errorf("a forged replay changed the event: %s", e.Status)
	}
}
