package notify_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// A resend is a message of its own: sent once per resend however often it is retried, and
// read back from the log as the message it repeats.
func TestResendIsSentOncePerResend(t *testing.T) {
	p := newProviders(t)
	ctx := context.Background()
	n := notification(order.MilestoneShipped, order.ChannelSMS)
	again := n
	again.Resend = "resend-1"
	for _, r := range []notify.Request{n, again, again} { // the third is a retry of the resend
		if err := p.svc.Notify(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(p.twilio.Messages()); got != 2 {
		t.Errorf("twilio got %d messages, want the first and one resend", got)
	}
	es, err := p.log.ForOrder(ctx, n.OrderID)
	if err != nil || len(es) != 2 {
		t.Fatalf("log: %v, %v", es, err)
	}
	for i, resend := range []string{"", "resend-1"} {
		o, ok := es[i].Origin()
		if !ok || o.Milestone != n.Milestone || o.ShipmentID != "S1" || o.Channel != order.ChannelSMS || o.Resend != resend {
			t.Errorf("entry %d reads back as %+v, %v", i, o, ok)
		}
		got, err := p.log.Get(ctx, n.OrderID, es[i].ID)
		if err != nil || got.ID != es[i].ID {
			t.Errorf("Get %d: %+v, %v", es[i].ID, got, err)
		}
	}
	if _, err := p.log.Get(ctx, "another-order", es[0].ID); !errors.Is(err, notify.ErrNotLogged) {
		t.Errorf("Get through another order: %v, want ErrNotLogged", err)
	}
}

func TestOriginReadsBackEveryKey(t *testing.T) {
	for _, tc := range []struct {
		r    notify.Request
		want notify.Origin
	}{
		{notify.Request{OrderID: "o/1#@!", Milestone: order.MilestoneConfirmed, Channel: order.ChannelEmail},
			notify.Origin{Notify: order.Notify{Milestone: order.MilestoneConfirmed}, Channel: order.ChannelEmail}},
		{notify.Request{OrderID: "o1", Milestone: order.MilestoneRefundProcessed, Channel: order.ChannelSMS, Refund: &notify.Refund{N: 1}},
			notify.Origin{Notify: order.Notify{Milestone: order.MilestoneRefundProcessed, Refund: 1}, Channel: order.ChannelSMS}},
		{notify.Request{OrderID: "o1", Milestone: order.MilestoneRefundProcessed, Channel: order.ChannelSMS, Refund: &notify.Refund{N: 3}, Resend: "r"},
			notify.Origin{Notify: order.Notify{Milestone: order.MilestoneRefundProcessed, Refund: 3}, Channel: order.ChannelSMS, Resend: "r"}},
		{notify.Request{OrderID: "o1", Milestone: order.MilestoneDailyUpdate, Channel: order.ChannelPush, Day: "2026-05-08", Resend: "x"},
			notify.Origin{Notify: order.Notify{Milestone: order.MilestoneDailyUpdate, Day: "2026-05-08"}, Channel: order.ChannelPush, Resend: "x"}},
		{notify.Request{OrderID: "o1", Milestone: order.MilestoneShipped, ShipmentID: "S/2", Channel: order.ChannelWhatsApp},
			notify.Origin{Notify: order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S/2"}, Channel: order.ChannelWhatsApp}},
	} {
		e := notify.Entry{Key: notify.Key(tc.r), OrderID: tc.r.OrderID, Milestone: string(tc.r.Milestone), ShipmentID: tc.r.ShipmentID, Channel: string(tc.r.Channel)}
		if got, ok := e.Origin(); !ok || got != tc.want {
			t.Errorf("%s reads back as %+v, %v; want %+v", e.Key, got, ok, tc.want)
		}
	}
	for _, e := range []notify.Entry{
		{Key: "o1/reply//sms", OrderID: "o1", Milestone: notify.MilestoneReply, Channel: "sms"},
		{Key: "something else", OrderID: "o1", Milestone: "shipped", Channel: "sms"},
		{Key: "o1/shipped//sms#x", OrderID: "o1", Milestone: "shipped", Channel: "sms"},
	} {
		if got, ok := e.Origin(); ok {
			t.Errorf("%s reads back as %+v, want no origin", e.Key, got)
		}
	}
}
