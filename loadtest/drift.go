package loadtest

import (
	"fmt"
	"io"
	"time"
)

// A soak runs for hours, and its totals would hide what it is run to find: memory that grows,
// histories or tables that slow shipflow down as they fill. So the run also reports its figures
// window by window, and a drift shows as a trend down the rows.

// Window is the run's figures over one stretch of time. Rates count what happened in the window;
// latencies belong to the events sent in it, however late their answer or message came.
type Window struct {
	FromSeconds     float64 `json:"from_seconds"` // since the journey started
	Seconds         float64 `json:"seconds"`
	SentPerSecond   float64 `json:"sent_per_second"`
	RelayedPerSec   float64 `json:"relayed_per_second"` // inbox rows handed to their workflow
	MessagesPerSec  float64 `json:"messages_per_second"`
	WebhooksPerSec  float64 `json:"webhooks_per_second"`
	Ack             Latency `json:"ack"`
	EventToMessage  Latency `json:"event_to_notification"`
	RSSMiB          float64 `json:"rss_mib"` // the shipflow processes' resident set at the window's end
	LiveOrders      int     `json:"live_orders"`
	InboxOpenAtEnd  int     `json:"inbox_open"`  // events acknowledged, not yet applied
	NotifyOpenAtEnd int     `json:"notify_open"` // messages queued or being sent
}

// sample is the monitor's reading at one moment.
type sample struct {
	at                                time.Time
	sent, relayed, messages, webhooks int
	delivered, created                int
	inboxOpen, notifyOpen             int
	rss                               int64
}

// ack is one acknowledged event: when it was sent and how long its 200 took.
type ack struct {
	at   time.Time
	took time.Duration
}

// windows cuts the journey from start into windows of width and fills each from the monitor's
// samples, the acknowledgements and the first arrival of every owed message.
func windows(start time.Time, width time.Duration, samples []sample, acks []ack, j *journey, arrivals map[messageKey][]time.Time) []Window {
	if width <= 0 || len(samples) < 2 {
		return nil
	}
	end := samples[len(samples)-1].at
	n := int(end.Sub(start)/width) + 1
	ws := make([]Window, n)
	ackTimes := make([][]time.Duration, n)
	msgTimes := make([][]time.Duration, n)
	slot := func(t time.Time) int { return min(max(int(t.Sub(start)/width), 0), n-1) }
	for _, a := range acks {
		ackTimes[slot(a.at)] = append(ackTimes[slot(a.at)], a.took)
	}
	for i := range j.n {
		for milestone, s := range milestoneSteps {
			sent := j.sentAt[i][s]
			if sent.IsZero() {
				continue
			}
			for _, k := range []messageKey{{"sms", phone(i), milestone}, {"email", email(i), milestone}} {
				if times := arrivals[k]; len(times) > 0 {
					first := times[0]
					for _, t := range times[1:] {
						if t.Before(first) {
							first = t
						}
					}
					msgTimes[slot(sent)] = append(msgTimes[slot(sent)], first.Sub(sent))
				}
			}
		}
	}
	for k := range ws {
		from := start.Add(time.Duration(k) * width)
		a, b := at(samples, from), at(samples, from.Add(width))
		secs := b.at.Sub(a.at).Seconds()
		w := &ws[k]
		w.FromSeconds, w.Seconds = from.Sub(start).Seconds(), secs
		if secs > 0 {
			w.SentPerSecond = float64(b.sent-a.sent) / secs
			w.RelayedPerSec = float64(b.relayed-a.relayed) / secs
			w.MessagesPerSec = float64(b.messages-a.messages) / secs
			w.WebhooksPerSec = float64(b.webhooks-a.webhooks) / secs
		}
		w.Ack, w.EventToMessage = latencyOf(ackTimes[k]), latencyOf(msgTimes[k])
		w.RSSMiB = float64(b.rss) / (1 << 20)
		w.LiveOrders = b.created - b.delivered
		w.InboxOpenAtEnd, w.NotifyOpenAtEnd = b.inboxOpen, b.notifyOpen
	}
	return ws
}

// at is the newest sample taken at or before t, or the first one.
func at(samples []sample, t time.Time) sample {
	s := samples[0]
	for _, x := range samples {
		if x.at.After(t) {
			break
		}
		s = x
	}
	return s
}

// writeWindows prints the windows as a table, one row each.
func writeWindows(w io.Writer, ws []Window) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintf(w, "\nby window (drift shows as a trend down the rows):\n")
	fmt.Fprintf(w, "%8s %7s %7s %7s %7s %16s %18s %8s %7s %6s %6s\n",
		"from", "sent/s", "relay/s", "msgs/s", "hooks/s", "ack p50/p99 ms", "notify p50/p99 s", "rss MiB", "live", "inbox", "notify")
	for _, x := range ws {
		fmt.Fprintf(w, "%7.0fs %7.1f %7.1f %7.1f %7.1f %7.1f/%-8.1f %8.1f/%-9.1f %8.0f %7d %6d %6d\n",
			x.FromSeconds, x.SentPerSecond, x.RelayedPerSec, x.MessagesPerSec, x.WebhooksPerSec,
			x.Ack.P50, x.Ack.P99, x.EventToMessage.P50/1000, x.EventToMessage.P99/1000,
			x.RSSMiB, x.LiveOrders, x.InboxOpenAtEnd, x.NotifyOpenAtEnd)
	}
}
