package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

// TestDailyUpdateOnePerDay: each day's update is a message of its own (its key carries the
// customer-local date), sent once however often it is retried, through the real Twilio client
// to the stand-in.
func TestDailyUpdateOnePerDay(t *testing.T) {
	p := newProviders(t)
	n := notification(order.MilestoneDailyUpdate, order.ChannelSMS)
	n.ShipmentID = ""
	n.Shipments[0].City = "Kaunas"
	day1, day2 := n, n
	day1.Day, day2.Day = "2026-05-07", "2026-05-08"
	if notify.Key(day1) == notify.Key(day2) || !strings.HasSuffix(notify.Key(day2), "@2026-05-08") {
		t.Fatalf("keys %q and %q", notify.Key(day1), notify.Key(day2))
	}
	for _, r := range []notify.Request{day1, day1, day2, day2} { // each retried once
		if err := p.svc.Notify(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	msgs := p.twilio.Messages()
	if len(msgs) != 2 {
		t.Fatalf("twilio got %d messages, want one a day", len(msgs))
	}
	for _, m := range msgs {
		if !strings.Contains(m.Body, "today's update") || !strings.Contains(m.Body, "Kaunas") || !strings.Contains(m.Body, "https://shipflow.example.com/") {
			t.Errorf("body %q", m.Body)
		}
	}
	es, err := p.log.ForOrder(context.Background(), n.OrderID)
	if err != nil || len(es) != 2 || es[0].Template != string(order.MilestoneDailyUpdate) {
		t.Errorf("log %+v %v", es, err)
	}
}
