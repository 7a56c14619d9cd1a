package order_test

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
)

// gap reports how a timeline text shows a part left empty, or "" when it does not.
func gap(s string) string {
	for _, bad := range []string{" : ", "via :", "via  ", "  ", ": ;"} {
		if strings.Contains(s, bad) {
			return bad
		}
	}
	if s != strings.TrimSpace(s) || strings.HasSuffix(s, ":") || strings.HasPrefix(s, ":") {
		return "an empty end"
	}
	return ""
}

// TestNotificationFailedText is what staff read on the timeline when a message could not be
// sent: the workflow reports a failure on every channel with no channel of its own, which
// read "shipped via : sms: ...".
func TestNotificationFailedText(t *testing.T) {
	for _, tc := range []struct {
		m      order.Milestone
		ch     order.Channel
		reason string
		want   string
	}{
		{order.MilestoneShipped, order.ChannelSMS, "invalid number", "shipped via sms: invalid number"},
		{order.MilestoneShipped, "", "sms: invalid number; email: bounced", "shipped: sms: invalid number; email: bounced"},
		{order.MilestoneShipped, order.ChannelEmail, "", "shipped via email"},
		{order.MilestoneShipped, "", "  ", "shipped"},
		{"", order.ChannelSMS, "timeout", "message via sms: timeout"},
		{"", "", "", "message"},
	} {
		o, _ := run(t, shipped()...)
		o.NotificationFailed(tc.m, "S1", tc.ch, tc.reason, at(30))
		e := last(o)
		if e.Type != order.EntryNotificationFailed || e.Description != tc.want {
			t.Errorf("NotificationFailed(%q, %q, %q): entry %s %q, want %q", tc.m, tc.ch, tc.reason, e.Type, e.Description, tc.want)
		}
		if g := gap(e.Description); g != "" {
			t.Errorf("%q has a gap: %q", e.Description, g)
		}
	}
}

// Issue 15, finding 5: notification.failed says which message failed, on which channels and why.
func TestNotificationFailedEventSaysWhichMessage(t *testing.T) {
	o := newOrder(t)
	fx := o.NotificationFailed(order.MilestoneShipped, "S1", "", "sms: invalid number; email: bounced", at(30))
	var p *order.Publish
	for _, e := range fx {
		if pe, ok := e.(order.Publish); ok {
			p = &pe
		}
	}
	if p == nil || p.Type != order.PublishNotificationFailed || p.ShipmentID != "S1" || p.Detail == nil || p.Detail.Notification == nil {
		t.Fatalf("effects %+v: want notification.failed with its detail", fx)
	}
	n := p.Detail.Notification
	if n.Milestone != order.MilestoneShipped || n.Error != "sms: invalid number; email: bounced" || len(n.Channels) != len(o.Notify) {
		t.Errorf("detail %+v (customer channels %v)", n, o.Notify)
	}
}
