package workflows

// A call-back request for an order whose workflow has finished.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/shipflow/shipflow/order"
)

// HumanRequestName is the workflow type of HumanRequest.
const HumanRequestName = "HumanRequest"

// HumanInput is a customer's call-back request for an order whose workflow has finished, and
// the staff who hear of it.
type HumanInput struct {
	OrderID string             `json:"order_id"`
	Request order.HumanRequest `json:"request"`
	Staff   Staffing           `json:"staff"`
}

// HumanRequest takes a call-back request for an order whose own workflow has finished (a
// delivered order past its review request, a cancelled one): customers call then too, and the
// finished workflow takes no update. It does what the order's workflow does with one: the
// timeline entry and order.human_requested, written to the read model and the event log
// (RecordHumanRequest), and the staff alerts and ticket note (askStaffOn). A request the
// order's workflow took before it finished (the same call id) is a repeat: nothing is done
// again.
func HumanRequest(ctx workflow.Context, in HumanInput) (HumanResult, error) {
	if err := in.Request.Validate(); err != nil {
		return HumanResult{}, temporal.NewNonRetryableApplicationError("invalid call-back request: "+err.Error(), "InvalidInput", err)
	}
	res := HumanResult{Recorded: true, Chats: in.Staff.AlertChannels, Ticket: in.Staff.Tickets}
	sctx := withOptions(ctx, storeOptions, "taken before the order finished?")
	if err := workflow.ExecuteActivity(sctx, a.HumanRequestSeen, in.OrderID, in.Request.ID).Get(ctx, &res.Repeat); err != nil {
		return HumanResult{}, err
	}
	if res.Repeat {
		return res, nil
	}
	r := in.Request.Clean()
	wg := workflow.NewWaitGroup(ctx)
	var recordErr error
	wg.Go(ctx, func(ctx workflow.Context) {
		actx := withOptions(ctx, storeOptions, "record on the order")
		recordErr = workflow.ExecuteActivity(actx, a.RecordHumanRequest, in.OrderID, r).Get(ctx, nil)
	})
	askStaffOn(ctx, wg.Go, in.OrderID, r, in.Staff)
	wg.Wait(ctx)
	return res, recordErr
}

// HumanRequestID is the workflow id of HumanRequest for request id of orderID: one per order
// and call, so that a repeat finds the first. The call id, free text, goes in as a digest of
// fixed length, so no two pairs share an id.
func HumanRequestID(orderID, requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return "human-" + orderID + "-" + hex.EncodeToString(sum[:8])
}

// RequestHumanAfter starts HumanRequest for a call-back request to an order whose workflow is
// no longer running, on taskQueue, with s the staff to tell, and answers as RequestHuman does:
// Temporal holds the request once the start returns, and the workflow retries its steps on its
// own. A repeat (the workflow already started, running or finished) answers the same.
func RequestHumanAfter(ctx context.Context, c client.Client, taskQueue, orderID string, r order.HumanRequest, s Staffing) (HumanResult, error) {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       HumanRequestID(orderID, r.ID),
		TaskQueue:                                taskQueue,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            fmt.Sprintf("Order %s (finished): call-back request", orderID),
	}, HumanRequestName, HumanInput{OrderID: orderID, Request: r, Staff: s})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return HumanResult{}, fmt.Errorf("start call-back request %s for order %s: %w", r.ID, orderID, err)
	}
	return HumanResult{Recorded: true, Chats: s.AlertChannels, Ticket: s.Tickets}, nil
}
