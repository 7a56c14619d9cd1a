package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// TestDelayForAReturningParcelIsRefused: once a parcel is going back to its sender, a driver
// can no longer report it late (order.ShipmentStatus.Final), even after staff closed the
// returned_to_sender exception. Runs recorded before accepted such a report; the stored
// history order_delay_returning_before_final is one, and replays (returnedParcelFinal).
func TestDelayForAReturningParcelIsRefused(t *testing.T) {
	delayForReturningParcel(t, false, "order_delay_returning")
}

func delayForReturningParcel(t *testing.T, accepted bool, history string) {
	l := newLive(t)
	ctx := context.Background()
	now := time.Now().UTC()
	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{})
	if err != nil {
		t.Fatal(err)
	}
	shipped := order.CommerceEvent{ID: "ship", Type: order.EventShipped, Timestamp: now, OrderID: l.orderID,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN-BACK"}}
	l.commerce(shipped)
	l.agree(order.StatusShipped, false)
	l.scan(order.TrackingEvent{ID: "back", Source: "generic", Carrier: "DPD", TrackingNumber: "TN-BACK",
		Status: order.ShipmentReturnedToSender, OccurredAt: now.Add(time.Minute)})
	l.agree(order.StatusException, true)
	if _, err := workflows.UpdateOrder(ctx, l.c, l.orderID, workflows.ResolveExceptionUpdate, workflows.ResolveRequest{Note: "shop takes it back", By: "ops"}); err != nil {
		t.Fatal(err)
	}
	l.agree(order.StatusInTransit, false)

	_, err = workflows.UpdateOrder(ctx, l.c, l.orderID, workflows.ReportDelayUpdate,
		order.Delay{ID: "call-1", TrackingNumber: "TN-BACK", Reason: "traffic", At: now.Add(2 * time.Minute)})
	switch {
	case accepted && err != nil:
		t.Fatalf("report_delay: %v, want it accepted", err)
	case !accepted && !errors.Is(err, order.ErrClosed):
		t.Fatalf("report_delay: %v, want %v", err, order.ErrClosed)
	}
	want := order.StatusInTransit
	if accepted {
		want = order.StatusException
	}
	l.agree(want, accepted)
	l.saveHistory(history, l.history(run.GetRunID()))
	if err := l.c.TerminateWorkflow(ctx, workflows.WorkflowID(l.orderID), "", "test over"); err != nil {
		t.Fatal(err)
	}
}
