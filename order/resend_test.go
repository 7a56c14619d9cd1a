package order_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

func TestCheckResend(t *testing.T) {
	o, _ := run(t, shipped()...)
	for _, tc := range []struct {
		name string
		n    order.Notify
		ch   order.Channel
		want string // a substring of the error; "" for none
		is   error
	}{
		{"shipped by sms", order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S1"}, order.ChannelSMS, "", nil},
		{"daily update", order.Notify{Milestone: order.MilestoneDailyUpdate, Day: "2026-05-08"}, order.ChannelEmail, "", nil},
		{"unknown milestone", order.Notify{Milestone: "reply"}, order.ChannelSMS, `milestone is not a message the order sends: "reply"`, nil},
		{"unknown channel", order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S1"}, "fax", "channel is not a known channel", nil},
		{"no contact", order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S1"}, order.ChannelPush, "push needs a customer app user id", nil},
		{"unknown shipment", order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S9"}, order.ChannelSMS, "S9", order.ErrUnknownShipment},
		{"refund the order lacks", order.Notify{Milestone: order.MilestoneRefundProcessed, Refund: 1}, order.ChannelSMS, "not one of the order's 0 refunds", nil},
		{"refund on another milestone", order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S1", Refund: 1}, order.ChannelSMS, "refund is only for", nil},
		{"daily update without a day", order.Notify{Milestone: order.MilestoneDailyUpdate}, order.ChannelSMS, "day must be a date", nil},
		{"day on another milestone", order.Notify{Milestone: order.MilestoneConfirmed, Day: "2026-05-08"}, order.ChannelSMS, "day is only for", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := o.CheckResend(tc.n, tc.ch)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

func TestResentIsOnTheTimeline(t *testing.T) {
	o, _ := run(t, shipped()...)
	n := len(o.Timeline)
	if err := o.Resent(order.Notify{Milestone: order.MilestoneShipped, ShipmentID: "S1"}, order.ChannelEmail, "agent", at(9)); err != nil {
		t.Fatal(err)
	}
	e := last(o)
	if len(o.Timeline) != n+1 || e.Kind != order.KindStaff || e.Type != order.EntryNotificationResent ||
		e.Actor != "agent" || e.Description != "shipped via email" || e.ShipmentID != "S1" || !e.At.Equal(at(9)) {
		t.Errorf("entry %+v", e)
	}
	if err := o.Resent(order.Notify{Milestone: "nope"}, order.ChannelEmail, "agent", at(10)); err == nil || len(o.Timeline) != n+1 {
		t.Errorf("an invalid resend was recorded (err %v)", err)
	}
}

func TestCheckResolution(t *testing.T) {
	for _, tc := range []struct {
		note, by, want string
	}{
		{"called the carrier", "agent", ""},
		{"  \n ", "agent", order.ErrNoNote.Error()},
		{"ok\x00", "agent", "note must not hold control characters"},
		{strings.Repeat("a", order.MaxTextLen+1), "agent", "note must be at most 1000 characters"},
		{"ok", "a\u202eb", "by must not hold control characters"},
		{"ok", strings.Repeat("b", order.MaxLineLen+1), "by must be at most 200 characters"},
	} {
		err := order.CheckResolution(tc.note, tc.by)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckResolution(%.20q, %.20q) = %v, want %q", tc.note, tc.by, err, tc.want)
		}
	}
}
