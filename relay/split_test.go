package relay

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

func scans(n, descLen int) []workflows.Inbound {
	es := make([]workflows.Inbound, n)
	for i := range es {
		es[i] = workflows.Inbound{Tracking: &order.TrackingEvent{ID: fmt.Sprint(i), TrackingNumber: "1Z",
			Status: order.ShipmentInTransit, Description: strings.Repeat("<", descLen)}}
	}
	return es
}

// A signal is cut by count and by encoded size, its events kept in order; one event too big
// for any signal goes alone.
func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []workflows.Inbound
		parts int
	}{
		{"one small event", scans(1, 10), 1},
		{"a batch of small events", scans(maxBatch, 10), 1},
		{"one more than a batch", scans(maxBatch+1, 10), 2},
		// 1,000 '<' encode to 6,000 bytes: 200 of them are 1.2 MB, five signals of 256 KiB.
		{"the most events a delivery carries, each heavy", scans(order.MaxEventsPerDelivery, order.MaxTextLen), 5},
		{"one event over the limit alone", scans(1, maxSignalBytes), 1},
		{"none", nil, 0},
	} {
		parts := split(signal{orderID: "o1", events: tc.in})
		if len(parts) != tc.parts {
			t.Errorf("%s: %d parts, want %d", tc.name, len(parts), tc.parts)
		}
		var all []workflows.Inbound
		for _, p := range parts {
			b, _ := json.Marshal(p.events)
			if p.orderID != "o1" || len(p.events) == 0 || len(p.events) > maxBatch || (len(p.events) > 1 && len(b) > maxSignalBytes) {
				t.Errorf("%s: a part of %d events, %d bytes, for %q", tc.name, len(p.events), len(b), p.orderID)
			}
			all = append(all, p.events...)
		}
		if !slices.Equal(all, tc.in) {
			t.Errorf("%s: the parts do not hold the events in order", tc.name)
		}
	}
}
