package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/workflows"
)

// hostileCarrier answers every poll with one scan whose text Postgres cannot store as it is.
type hostileCarrier struct{ at time.Time }

func (c hostileCarrier) Track(_ context.Context, name, tn string) (track.Result, error) {
	return track.Result{Events: []order.TrackingEvent{{
		ID: tn + "-1", Source: "poll", Carrier: name, TrackingNumber: tn, Status: order.ShipmentInTransit,
		Description: "Sorted\x00 at hub" + strings.Repeat("!", 3000), Location: order.Location{City: "Kaun\xffas", Country: "LT"},
		OccurredAt: c.at,
	}}}, nil
}

// Issue 14, finding 3 on the polling path: a carrier's answer holding NUL and invalid UTF-8
// used to stop the order's projection for good. It is cleaned where it enters, and the read
// model follows the order.
func TestPolledScanWithUnstorableTextStillReachesTheReadModel(t *testing.T) {
	l := newLiveWith(t, hostileCarrier{at: time.Now().UTC().Add(-time.Minute)}, workflows.OrderSettings{})
	ctx := context.Background()
	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{
		ReviewRequestDelay: time.Hour, PollInterval: 100 * time.Millisecond, StaleAfter: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer l.c.TerminateWorkflow(ctx, run.GetID(), "", "test over")
	l.commerce(order.CommerceEvent{ID: "ship", Type: order.EventShipped, Timestamp: time.Now().UTC(), OrderID: l.orderID,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN-HOSTILE"}})
	var v order.View
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v, _, err = db.GetOrder(ctx, testenv.DB(t), l.orderID); err != nil && !errors.Is(err, db.ErrNotFound) {
			t.Fatal(err)
		}
		if v.Status == order.StatusInTransit {
			break
		}
	}
	if v.Status != order.StatusInTransit || len(v.Shipments) != 1 {
		t.Fatalf("read model: %s with %d shipments, want in_transit", v.Status, len(v.Shipments))
	}
	loc := v.Shipments[0].LastLocation
	if loc == nil || loc.City != "Kaun\uFFFDas" {
		t.Errorf("last location %+v, want the city with its bad byte replaced", loc)
	}
	for _, e := range v.Timeline {
		if e.Type == string(order.ShipmentInTransit) && (strings.ContainsRune(e.Description, 0) || len([]rune(e.Description)) > order.MaxTextLen) {
			t.Errorf("timeline description not cleaned: %d characters", len([]rune(e.Description)))
		}
	}
}
