package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// TestResendNotificationLive sends a shipped message again on a running order: one update id
// sends it once however often it is asked, another id sends it again, each with a key of its
// own and a timeline entry naming who asked, and a message about a shipment the order lacks is
// refused by the validator. Its run is kept as the order_resend history for the replay test.
func TestResendNotificationLive(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{ReviewRequestDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ship := (&liveRun{l}).shipped("S1", "TN1")
	if err := workflows.SignalCommerce(ctx, l.c, ship); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() bool {
		for _, n := range l.ch.resends("") {
			if n.Milestone == order.MilestoneShipped {
				return true
			}
		}
		return false
	}, "the shipped message was not sent")

	r := workflows.ResendRequest{Milestone: order.MilestoneShipped, ShipmentID: "S1", Channel: order.ChannelEmail, By: "agent"}
	var keys []string
	for _, id := range []string{"resend-a", "resend-a", "resend-b"} {
		res, err := workflows.ResendNotification(ctx, l.c, l.orderID, id, r)
		if err != nil {
			t.Fatalf("resend %s: %v", id, err)
		}
		keys = append(keys, res.Key)
	}
	if keys[0] != keys[1] || keys[0] == keys[2] || keys[0] != l.orderID+"/shipped/S1/email!resend-a" {
		t.Errorf("keys %q: want one per update id", keys)
	}
	testenv.Eventually(t, 10*time.Second, func() bool {
		return len(l.ch.resends("resend-a")) == 1 && len(l.ch.resends("resend-b")) == 1
	}, "resends sent: a %d, b %d", len(l.ch.resends("resend-a")), len(l.ch.resends("resend-b")))

	r.ShipmentID = "S9"
	if _, err := workflows.ResendNotification(ctx, l.c, l.orderID, "resend-c", r); !errors.Is(err, order.ErrUnknownShipment) {
		t.Errorf("resend about an unknown shipment: %v, want ErrUnknownShipment", err)
	}
	v, err := workflows.QueryOrder(ctx, l.c, l.orderID)
	if err != nil {
		t.Fatal(err)
	}
	var by []string
	for _, e := range v.Timeline {
		if e.Type == order.EntryNotificationResent {
			by = append(by, e.Actor+": "+e.Description)
		}
	}
	if len(by) != 2 || by[0] != "agent: shipped via email" {
		t.Errorf("timeline's resends %q, want two by agent", by)
	}
	time.Sleep(time.Second) // the projection after the last resend, into the kept history
	l.saveHistory("order_resend", l.history(run.GetRunID()))
}

// liveRun dates a live order's events now.
type liveRun struct{ *live }

func (l liveRun) shipped(shipmentID, tracking string) order.CommerceEvent {
	e := (&run{orderID: l.orderID}).shipped(0, shipmentID, tracking, 48*time.Hour, "SHOE-1", "JACKET-1")
	e.Timestamp = time.Now().UTC()
	return e
}

// resends are the messages sent with resend id (the milestone's own sends for "").
func (c *channels) resends(id string) []notify.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []notify.Request
	for _, n := range c.sends {
		if n.Resend == id {
			out = append(out, n)
		}
	}
	return out
}
