package workflows_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// TestRequestHumanLive records a call-back request with a running order whose deployment has a
// chat and ticketing: the update says who it reaches, a repeat of the call is recorded once,
// and a request with a control character is refused by the validator, leaving no trace. Its run
// is kept as the order_human_request history for the replay test.
func TestRequestHumanLive(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	s := workflows.OrderSettings{ReviewRequestDelay: time.Hour, AlertChannels: []string{"slack"}, Tickets: true, EscalationSLA: time.Hour}
	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), s)
	if err != nil {
		t.Fatal(err)
	}
	r := order.HumanRequest{ID: "call-1", Reason: "parcel damaged", Source: "voice:poskai"}
	res, err := workflows.RequestHuman(ctx, l.c, l.orderID, r)
	if err != nil || !res.Recorded || res.Repeat || !slices.Equal(res.Chats, []string{"slack"}) || !res.Ticket {
		t.Fatalf("first request: %+v, %v", res, err)
	}
	r.Reason = "in other words"
	if res, err = workflows.RequestHuman(ctx, l.c, l.orderID, r); err != nil || !res.Repeat {
		t.Fatalf("repeat: %+v, %v", res, err)
	}
	if _, err := workflows.RequestHuman(ctx, l.c, l.orderID, order.HumanRequest{ID: "call-2", Reason: "a\x00b"}); err == nil {
		t.Fatalf("a NUL in the reason was taken: %v", err)
	}
	v, err := workflows.QueryOrder(ctx, l.c, l.orderID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range v.Timeline {
		if e.Type == order.EntryHumanRequested {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d call-back entries, want 1", n)
	}
	// Let the alert and ticket activities finish (no chat or Zendesk is wired here: they
	// succeed doing nothing) so the kept history holds them.
	time.Sleep(2 * time.Second)
	l.saveHistory("order_human_request", l.history(run.GetRunID()))
}
