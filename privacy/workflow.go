package privacy

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/shipflow/shipflow/access"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names of the workflows; part of running histories: never rename one.
const (
	ErasureName = "PrivacyErasure"
	ExportName  = "PrivacyExport"
)

// Input starts a request's workflow: its id (the privacy_requests row's), what it covers and
// who asked. It travels in the workflow's history, sealed when SHIPFLOW_PAYLOAD_KEYS is set.
type Input struct {
	ID    string     `json:"id"`
	Scope Scope      `json:"scope"`
	By    string     `json:"by"`
	Via   access.Via `json:"via"`
}

// WorkflowID is the id of a request's workflow.
func WorkflowID(id string) string { return "privacy-" + id }

// RequestID derives a request's id from what it asks, keyed, so that a repeat while the first
// runs is the same run, and so that the id, which is stored and shown, does not give the
// email or phone away to whoever hashes guesses: key is a deployment secret.
func RequestID(k Kind, key []byte, sc Scope) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "shipflow privacy %s\x00%s\x00%s\x00%s\x00", k, sc.Subject.Email, sc.Subject.Phone, sc.Origin)
	for _, id := range sc.OrderIDs {
		fmt.Fprintf(m, "%s\x00", id)
	}
	return prefix(k) + hex.EncodeToString(m.Sum(nil))[:32]
}

// DeliveryRequestID is the id of a request a platform's webhook delivery asked for: its
// retries are the same request.
func DeliveryRequestID(k Kind, source, deliveryID string) string {
	h := sha256.Sum256([]byte(source + "\x00" + deliveryID))
	return prefix(k) + hex.EncodeToString(h[:])[:32]
}

func prefix(k Kind) string {
	if k == KindErasure {
		return "era_"
	}
	return "exp_"
}

// Start starts a request's workflow. A request already running is joined, not started twice;
// one that finished runs again (an erasure asked once more finds the orders that came since),
// unless once is set (a platform's retried delivery, already done).
func Start(ctx context.Context, c client.Client, taskQueue string, k Kind, in Input, once bool) error {
	name := ErasureName
	if k == KindExport {
		name = ExportName
	}
	reuse := enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	if once {
		reuse = enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	}
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       WorkflowID(in.ID),
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    reuse,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("Privacy %s %s", k, in.ID),
	}, name, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return fmt.Errorf("start privacy %s %s: %w", k, in.ID, err)
	}
	return nil
}

// activityOptions: every step is retried until it succeeds or a week has passed, when the
// request is recorded as failed for staff to look at.
var activityOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    2 * time.Minute,
	ScheduleToCloseTimeout: 7 * 24 * time.Hour,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Minute},
}

var a *Activities

// ErasureWorkflow erases a customer: finds their orders, erases each live one through its workflow
// (erase_customer), then redacts Postgres step by step (Steps), and records the outcome.
func ErasureWorkflow(ctx workflow.Context, in Input) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	var ts []Target
	err := workflow.ExecuteActivity(ctx, a.PrivacyFind, in.Scope).Get(ctx, &ts)
	for _, t := range ts {
		if err != nil {
			break
		}
		err = workflow.ExecuteActivity(ctx, a.PrivacyEraseOrder, in, t.OrderID).Get(ctx, nil)
	}
	for _, s := range Steps {
		if err != nil {
			break
		}
		err = workflow.ExecuteActivity(ctx, a.PrivacyRedact, in, s, ts).Get(ctx, nil)
	}
	st, msg := StatusDone, ""
	if err != nil {
		st, msg = StatusFailed, "erasure failed: "+err.Error()
	}
	return workflow.ExecuteActivity(ctx, a.PrivacyFinish, in, KindErasure, st, orderIDs(ts), msg).Get(ctx, nil)
}

// ExportWorkflow builds an export and keeps it for the merchant (Shopify's customers/data_request).
func ExportWorkflow(ctx workflow.Context, in Input) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	err := workflow.ExecuteActivity(ctx, a.PrivacyKeepExport, in).Get(ctx, nil)
	if err == nil {
		return nil
	}
	return workflow.ExecuteActivity(ctx, a.PrivacyFinish, in, KindExport, StatusFailed, []string{}, "export failed: "+err.Error()).Get(ctx, nil)
}
