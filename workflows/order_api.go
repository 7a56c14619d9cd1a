package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/order"
)

// Names the order workflow answers to. They are part of running histories and of the
// contract with the HTTP layer: never rename one.
const (
	OrderName = "Order"

	// CommerceSignal carries an order.CommerceEvent other than order.created.
	CommerceSignal = "commerce"
	// TrackingSignal carries an order.TrackingEvent for one of the order's shipments.
	TrackingSignal = "tracking"
	// TrackingBatchSignal carries []order.TrackingEvent: every checkpoint of one carrier
	// webhook in one history event, oldest first. Relays send EventsSignal since; workflows
	// still read it, for signals sent before.
	TrackingBatchSignal = "tracking_batch"
	// EventsSignal carries []Inbound: the events of several deliveries for one order, oldest
	// first, as the relay found them waiting together (a burst, or a platform's events close
	// together). One signal costs the engine the same whatever it carries, so a batch of n
	// applies n events for the price of one. Workers must know it before any relay sends it:
	// upgrade workers first.
	EventsSignal = "events"

	// StatusQuery returns the order.View.
	StatusQuery = "status"

	// ResolveExceptionUpdate closes the open exception (ResolveRequest).
	ResolveExceptionUpdate = "resolve_exception"
	// SetChannelsUpdate replaces the customer's notification channels (ChannelsRequest).
	SetChannelsUpdate = "set_notification_channels"
	// ReportDelayUpdate records a driver's delay report (order.Delay).
	ReportDelayUpdate = "report_delay"
	// RequestHumanUpdate records a customer's request for a call back (order.HumanRequest) and
	// answers HumanResult.
	RequestHumanUpdate = "request_human"
	// ResendNotificationUpdate sends one of the customer's messages again on one channel
	// (ResendRequest) and answers ResendResult. The update's id keys the message, so one
	// request sends it once, however often it is retried.
	ResendNotificationUpdate = "resend_notification"
	// EraseCustomerUpdate erases the customer's personal details from the order
	// (EraseRequest, order.Order.EraseCustomer) and answers once the read model holds the
	// erased order, so the caller can redact the rest of Postgres after it.
	EraseCustomerUpdate = "erase_customer"
)

// WorkflowID is the id of an order's workflow: one order, one workflow, for its whole life.
func WorkflowID(orderID string) string { return "order-" + orderID }

// OrderSettings are the deployment's timings an order runs with. They travel in the input,
// not read from the environment, so a replay sees what the original run saw.
type OrderSettings struct {
	ReviewRequestDelay time.Duration `json:"review_request_delay"`
	// QuietHours hold non-urgent customer messages during the customer's local night.
	QuietHours order.QuietHours `json:"quiet_hours"`
	// PollInterval is how often a shipment on its way is polled; zero switches polling off.
	// Out for delivery it is polled six times as often.
	PollInterval time.Duration `json:"poll_interval,omitempty"`
	// StaleAfter raises a stale exception for a shipment in transit that long without news.
	StaleAfter time.Duration `json:"stale_after,omitempty"`
	// LateGrace raises a late exception that long after a shipment's ETA (or the promised date).
	LateGrace time.Duration `json:"late_grace,omitempty"`
	// LateFromDayEnd counts LateGrace from the end of a date-only ETA's day (order.Due), not
	// from its first moment; runs started without it count from the day's start, as before.
	LateFromDayEnd bool `json:"late_from_day_end,omitempty"`
	// Estimates: a shipment announced without a delivery date gets shipflow's estimate
	// (package estimate), which late detection then counts from. Runs started without it
	// estimate nothing, as before.
	Estimates bool `json:"estimates,omitempty"`
	// EscalationSLA is how long an exception may stay open before it escalates a level.
	EscalationSLA time.Duration `json:"escalation_sla,omitempty"`
	// AlertChannels are the staff chats configured when the order started (slack, teams,
	// google_chat); Tickets says whether Zendesk or Freshdesk is.
	AlertChannels []string `json:"alert_channels,omitempty"`
	Tickets       bool     `json:"tickets,omitempty"`
	// RegisterParcels registers each shipment's parcel with the configured tracking providers
	// when it ships (SHIPFLOW_REGISTER_PARCELS with a provider's key); zero, as in orders
	// started before, leaves parcels to whoever registers them.
	RegisterParcels bool `json:"register_parcels,omitempty"`
	// ContinueAsNewAfter forces a new run after that many applied events, besides Temporal's
	// own suggestion; zero leaves it to Temporal. Tests use it to cross runs on purpose.
	ContinueAsNewAfter int `json:"continue_as_new_after,omitempty"`
	// Steps are the journey's rules (issue 19: more messages, return parcels, contact
	// changes); the zero value, which orders started before them carry, keeps the old rules.
	// Only runs at journeyVersion follow them.
	Steps order.Steps `json:"steps,omitzero"`
	// ReturnWatch is how long after its latest news a return parcel still on its way keeps
	// the order's workflow waiting for it; zero is defaultReturnWatch.
	ReturnWatch time.Duration `json:"return_watch,omitempty"`
	// Daily is the daily update rule (SHIPFLOW_DAILY_UPDATES, SHIPFLOW_DAILY_UPDATE_HOUR); the
	// zero value, which orders started before it carry, sends none. Only runs at dailyVersion
	// follow it.
	Daily order.Daily `json:"daily,omitzero"`
}

// OrderInput starts a run: the order.created event for the first, the carried state for a
// continued one.
type OrderInput struct {
	Created  *order.CommerceEvent `json:"created,omitempty"`
	Settings OrderSettings        `json:"settings"`

	State    *order.Order `json:"state,omitempty"`
	Revision int64        `json:"revision,omitempty"`
	// FinalSince is when the order's journey ended, so a continued run keeps the review
	// request's clock instead of starting it again.
	FinalSince *time.Time `json:"final_since,omitempty"`
}

// ResolveRequest is staff closing an exception.
type ResolveRequest struct {
	Note string `json:"note"`
	By   string `json:"by"`
}

// ChannelsRequest replaces the customer's notification channels, and sets their choice about
// daily updates when DailyUpdates is given. A request with DailyUpdates and no channels
// changes the choice alone (the channels stay as they are).
type ChannelsRequest struct {
	Channels []order.Channel `json:"channels"`
	// DailyUpdates switches the customer's daily updates on or off; nil leaves them as they are.
	DailyUpdates *bool `json:"daily_updates,omitempty"`
}

// dailyOnly reports whether r changes the daily updates alone.
func (r ChannelsRequest) dailyOnly() bool { return r.DailyUpdates != nil && r.Channels == nil }

// ResendRequest is staff asking for one of the customer's messages again: the milestone
// message it was (with the refund or the day it told of, as notify.Origin reads them from the
// notification log), the channel to send it on, and who asked.
type ResendRequest struct {
	Milestone  order.Milestone `json:"milestone"`
	ShipmentID string          `json:"shipment_id,omitempty"`
	Refund     int             `json:"refund,omitempty"`
	Day        string          `json:"day,omitempty"`
	Channel    order.Channel   `json:"channel"`
	By         string          `json:"by"`
}

func (r ResendRequest) message() order.Notify {
	return order.Notify{Milestone: r.Milestone, ShipmentID: r.ShipmentID, Refund: r.Refund, Day: r.Day}
}

// EraseRequest is an erasure of the order's customer: who asked, and the email or phone the
// erasure was asked for, redacted from free text besides the order's own contact details.
type EraseRequest struct {
	By    string   `json:"by"`
	Terms []string `json:"terms,omitempty"`
}

// ResendResult is what resend_notification answers: the notification log's key of the message
// on its way again, whose row tells how it went.
type ResendResult struct {
	Key string `json:"key"`
}

// UpdateResult is what an update answers: small, because it is kept in the history.
type UpdateResult struct {
	Status    order.Status     `json:"status"`
	Exception *order.Exception `json:"exception"`
	Channels  []order.Channel  `json:"channels"`
	// DailyUpdates is the customer's own choice about daily updates, when they made one.
	DailyUpdates *bool `json:"daily_updates,omitempty"`
}

// HumanResult is what request_human answers: what the order does about the request, so the
// caller is told the truth. Chats are the staff chats alerted, Ticket whether a ticket is
// opened or noted; with neither, the request is only on the order's timeline.
type HumanResult struct {
	Recorded bool     `json:"recorded"`
	Repeat   bool     `json:"repeat,omitempty"`
	Chats    []string `json:"chats,omitempty"`
	Ticket   bool     `json:"ticket,omitempty"`
}

// Errors of the client helpers below.
var (
	// ErrOrderExists: an order with that id was already started, running or finished.
	ErrOrderExists = errors.New("order already exists")
	// ErrOrderNotRunning: no running workflow for that order (never created, or finished).
	ErrOrderNotRunning = errors.New("order is not running")
)

// Type codes of the order errors an update answers with. An error crosses Temporal as an
// application error carrying its message and this code only, so the code is what lets the
// caller's errors.Is find the order sentinel again. They are part of running histories (a
// handler's error is kept in the update's outcome): never rename one.
const (
	ErrTypeNoException     = "NoException"
	ErrTypeUnknownShipment = "UnknownShipment"
	ErrTypeClosed          = "OrderClosed"
	ErrTypeDelivered       = "AlreadyDelivered"
)

// orderErrors pairs each type code with its sentinel: typed reads it one way in the
// workflow, UpdateOrder the other way on the caller's side.
var orderErrors = []struct {
	code     string
	sentinel error
}{
	{ErrTypeNoException, order.ErrNoException},
	{ErrTypeUnknownShipment, order.ErrUnknownShipment},
	{ErrTypeClosed, order.ErrClosed},
	{ErrTypeDelivered, order.ErrDelivered},
}

// typed turns an order error into the non-retryable application error with its sentinel's
// type code, for an update handler or validator to return. The answer is the order's state,
// which a retry would not change. Any other error passes unchanged.
func typed(err error) error {
	for _, e := range orderErrors {
		if errors.Is(err, e.sentinel) {
			return temporal.NewNonRetryableApplicationError(err.Error(), e.code, nil)
		}
	}
	return err
}

// remoteError is an order error that came back from the workflow: its message is the
// workflow's, and it is both the order sentinel its type code names and the application
// error itself.
type remoteError struct {
	sentinel error
	app      *temporal.ApplicationError
}

func (e *remoteError) Error() string   { return e.app.Message() }
func (e *remoteError) Unwrap() []error { return []error{e.sentinel, e.app} }

// untyped finds the order sentinel of an update's error by its type code, so callers map
// order errors with errors.Is, never by their text.
func untyped(err error) error {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return err
	}
	for _, e := range orderErrors {
		if app.Type() == e.code {
			return &remoteError{sentinel: e.sentinel, app: app}
		}
	}
	return err
}

// StartOrder starts an order's workflow from its order.created event. The id reuse policy
// rejects a duplicate even after the first run finished, so a late or replayed order.created
// can never resurrect a finished order.
func StartOrder(ctx context.Context, c client.Client, taskQueue string, e order.CommerceEvent, s OrderSettings) (client.WorkflowRun, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       WorkflowID(e.OrderID),
		TaskQueue:                                taskQueue,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            startSummary(e),
		TypedSearchAttributes:                    initialSearchAttributes(),
	}, OrderName, OrderInput{Created: &e, Settings: s})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil, fmt.Errorf("start order %s: %w", e.OrderID, ErrOrderExists)
	}
	if err != nil {
		return nil, fmt.Errorf("start order %s: %w", e.OrderID, err)
	}
	return run, nil
}

// startSummary is the line the Temporal UI shows for the workflow.
func startSummary(e order.CommerceEvent) string {
	n := 0
	for _, it := range e.Items {
		n += it.Quantity
	}
	who := ""
	if e.Customer != nil {
		who = " for " + e.Customer.Name
	}
	return fmt.Sprintf("Order %s%s, %d item(s)", e.OrderID, who, n)
}

// SignalCommerce delivers a commerce event to its order.
func SignalCommerce(ctx context.Context, c client.Client, e order.CommerceEvent) error {
	return signal(ctx, c, e.OrderID, CommerceSignal, e)
}

// SignalTracking delivers a carrier update to the order that has its tracking number.
func SignalTracking(ctx context.Context, c client.Client, orderID string, e order.TrackingEvent) error {
	return signal(ctx, c, orderID, TrackingSignal, e)
}

// Inbound is one event of an EventsSignal: a commerce event or a carrier update.
type Inbound struct {
	Commerce *order.CommerceEvent `json:"commerce,omitempty"`
	Tracking *order.TrackingEvent `json:"tracking,omitempty"`
}

// SignalEvents delivers several events of one order, in order, in one signal.
func SignalEvents(ctx context.Context, c client.Client, orderID string, es []Inbound) error {
	return signal(ctx, c, orderID, EventsSignal, es)
}

// Running reports whether an order's workflow exists and is running. A finished order and
// one never created both refuse signals; callers that must tell them apart ask here.
func Running(ctx context.Context, c client.Client, orderID string) (exists, running bool, err error) {
	d, err := c.DescribeWorkflowExecution(ctx, WorkflowID(orderID), "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("describe order %s: %w", orderID, err)
	}
	return true, d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

func signal(ctx context.Context, c client.Client, orderID, name string, arg any) error {
	err := c.SignalWorkflow(ctx, WorkflowID(orderID), "", name, arg)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("signal %s to order %s: %w", name, orderID, ErrOrderNotRunning)
	}
	if err != nil {
		return fmt.Errorf("signal %s to order %s: %w", name, orderID, err)
	}
	return nil
}

// QueryOrder returns an order's view from its workflow. It works for finished orders too, for
// as long as the namespace retains them.
func QueryOrder(ctx context.Context, c client.Client, orderID string) (order.View, error) {
	var v order.View
	res, err := c.QueryWorkflow(ctx, WorkflowID(orderID), "", StatusQuery)
	if err != nil {
		return v, fmt.Errorf("query order %s: %w", orderID, err)
	}
	if err := res.Get(&v); err != nil {
		return v, fmt.Errorf("decode order %s: %w", orderID, err)
	}
	return v, nil
}

// UpdateOrder runs one of the order's updates and waits for its answer. A request the
// validator rejects returns its error and leaves no trace in the history. An order error,
// from the validator or the handler, matches its sentinel with errors.Is (order.ErrDelivered
// and the others of order/validate.go).
func UpdateOrder(ctx context.Context, c client.Client, orderID, update string, arg any) (UpdateResult, error) {
	return updateOrder[UpdateResult](ctx, c, orderID, update, "", arg)
}

// RequestHuman records a customer's request for a call back with the order's workflow.
func RequestHuman(ctx context.Context, c client.Client, orderID string, r order.HumanRequest) (HumanResult, error) {
	return updateOrder[HumanResult](ctx, c, orderID, RequestHumanUpdate, "", r)
}

// ResendNotification asks the order's workflow to send one of the customer's messages again.
// id is the update's id, which keys the message: the same request sent twice with one id (a
// form submitted twice, a retry after a lost answer) sends the message once. The answer comes
// once the message is on its way, not once it is sent.
func ResendNotification(ctx context.Context, c client.Client, orderID, id string, r ResendRequest) (ResendResult, error) {
	return updateOrder[ResendResult](ctx, c, orderID, ResendNotificationUpdate, id, r)
}

// EraseCustomer erases the customer's personal details from a running order. id is the
// update's id: a retried erasure with the same id is the same update.
func EraseCustomer(ctx context.Context, c client.Client, orderID, id string, r EraseRequest) (UpdateResult, error) {
	return updateOrder[UpdateResult](ctx, c, orderID, EraseCustomerUpdate, id, r)
}

// updateOrder runs update with arg; an empty id lets the SDK choose one.
func updateOrder[T any](ctx context.Context, c client.Client, orderID, update, id string, arg any) (T, error) {
	var r T
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID:     id,
		WorkflowID:   WorkflowID(orderID),
		UpdateName:   update,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &r)
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return r, fmt.Errorf("%s on order %s: %w", update, orderID, ErrOrderNotRunning)
	}
	if err != nil {
		return r, fmt.Errorf("%s on order %s: %w", update, orderID, untyped(err))
	}
	return r, nil
}
