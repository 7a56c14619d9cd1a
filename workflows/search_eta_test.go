package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/workflows"
)

// Issue 15, finding 8: the Temporal UI's EstimatedDelivery follows order's one ETA rule: a
// parcel on its way back to the shop has none, as in the read model and on the voice line.
func TestSearchETAFollowsTheOrderRuleOnTemporal(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	run, err := workflows.StartOrder(ctx, l.c, l.tq, l.created(), workflows.OrderSettings{ReviewRequestDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer l.c.TerminateWorkflow(ctx, run.GetID(), "", "test over")
	eta := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	l.commerce(order.CommerceEvent{ID: "ship", Type: order.EventShipped, Timestamp: time.Now().UTC(), OrderID: l.orderID,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "DPD", TrackingNumber: "TN-RTS", EstimatedDelivery: &eta}})
	hasETA := func() bool {
		d, err := l.c.DescribeWorkflowExecution(ctx, workflows.WorkflowID(l.orderID), "")
		if err != nil {
			t.Fatal(err)
		}
		_, ok := d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["EstimatedDelivery"]
		return ok
	}
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if ok() {
				return
			}
		}
		t.Fatalf("never: %s", what)
	}
	waitUntil("the ETA in the search attributes", hasETA)
	l.scan(order.TrackingEvent{ID: "rts", Source: "generic", Carrier: "DPD", TrackingNumber: "TN-RTS",
		Status: order.ShipmentReturnedToSender, OccurredAt: time.Now().UTC()})
	waitUntil("the ETA gone once the parcel is returning", func() bool { return !hasETA() })
}
