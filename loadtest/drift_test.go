package loadtest

import (
	"testing"
	"time"
)

// TestWindows checks how a run is cut into windows: rates from the samples at the windows'
// edges, and latencies filed under the window their event was sent in, however late the answer.
func TestWindows(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	sec := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	samples := []sample{
		{at: sec(0)},
		{at: sec(10), sent: 100, relayed: 50, messages: 20, webhooks: 30, created: 10, rss: 100 << 20},
		{at: sec(20), sent: 300, relayed: 250, messages: 120, webhooks: 230, created: 30, delivered: 5, rss: 200 << 20},
	}
	acks := []ack{{sec(1), 10 * time.Millisecond}, {sec(12), 30 * time.Millisecond}, {sec(13), 50 * time.Millisecond}}
	j := newJourney(newBalancer("http://127.0.0.1"), "w-", 2, 1, 0, Secrets{})
	j.sentAt[0][stepShipped] = sec(5)  // its messages come in the second window, but count in the first
	j.sentAt[1][stepShipped] = sec(15) // its SMS never came
	arrivals := map[messageKey][]time.Time{
		{"sms", phone(0), "shipped"}:   {sec(14), sec(12)},
		{"email", email(0), "shipped"}: {sec(11)},
		{"email", email(1), "shipped"}: {sec(17)},
	}

	ws := windows(start, 10*time.Second, samples, acks, j, arrivals)
	if len(ws) != 3 {
		t.Fatalf("%d windows, want 3 (0-10 s, 10-20 s, and the last sample's)", len(ws))
	}
	first, second := ws[0], ws[1]
	if first.SentPerSecond != 10 || first.RelayedPerSec != 5 || first.MessagesPerSec != 2 || first.WebhooksPerSec != 3 {
		t.Errorf("first window's rates: %+v", first)
	}
	if second.SentPerSecond != 20 || second.LiveOrders != 25 || second.RSSMiB != 200 {
		t.Errorf("second window: %+v", second)
	}
	if first.Ack.N != 1 || first.Ack.P99 != 10 || second.Ack.N != 2 || second.Ack.Max != 50 {
		t.Errorf("acks by window: %+v, %+v", first.Ack, second.Ack)
	}
	// Order 0: the SMS's first arrival (12 s) and the email (11 s), both sent at 5 s.
	if first.EventToMessage.N != 2 || first.EventToMessage.P50 != 7000 || first.EventToMessage.Max != 7000 {
		t.Errorf("first window's event to notification: %+v, want 6 s and 7 s", first.EventToMessage)
	}
	if second.EventToMessage.N != 1 || second.EventToMessage.Max != 2000 {
		t.Errorf("second window's event to notification: %+v, want one of 2 s", second.EventToMessage)
	}
	if windows(start, 0, samples, acks, j, arrivals) != nil {
		t.Error("windows without a width")
	}
}
